/**
 * The machine's floor: Node spawning and reaping the same command directly, with the same
 * concurrency, and no scheduler at all. What OpenBatch's throughput and dispatch latency are
 * compared with.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { preciseNow } from "../../protocol/clock.js";

/** Runs `count` × `argv` with at most `concurrency` in flight; tasks per second, first spawn to last exit. */
export async function spawnThroughput(argv: string[], count: number, concurrency: number): Promise<number> {
  let started = 0;
  const begin = preciseNow();
  const worker = async () => {
    while (started < count) {
      started++;
      const child = spawn(argv[0]!, argv.slice(1), { stdio: "ignore" });
      await once(child, "exit");
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return count / ((preciseNow() - begin) / 1000);
}

/**
 * Milliseconds from calling `spawn()` to a running process (it returns once the child has exec'd and
 * its pid is known), one at a time: the same moment the agent stamps as `spawnedAt`.
 */
export async function spawnLatencies(argv: string[], count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const begin = preciseNow();
    const child = spawn(argv[0]!, argv.slice(1), { stdio: "ignore" });
    samples.push(preciseNow() - begin);
    await once(child, "exit");
  }
  return samples;
}

/**
 * The same, doing what any Azure-Batch-style agent must before its spawn: create the task's directory
 * and `wd/`, open `stdout.txt`/`stderr.txt` for the child, and start it in its own process group in
 * `wd/`. The gap between this and `spawnLatencies` is the price of the task layout on this machine.
 */
export async function taskSpawnLatencies(argv: string[], count: number): Promise<number[]> {
  const root = mkdtempSync(join(tmpdir(), "openbatch-floor-"));
  const samples: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const begin = preciseNow();
      const taskDir = join(root, `task${i}`);
      mkdirSync(join(taskDir, "wd"), { recursive: true });
      const stdout = openSync(join(taskDir, "stdout.txt"), "w");
      const stderr = openSync(join(taskDir, "stderr.txt"), "w");
      const child = spawn(argv[0]!, argv.slice(1), {
        cwd: join(taskDir, "wd"),
        detached: true,
        stdio: ["ignore", stdout, stderr],
      });
      closeSync(stdout);
      closeSync(stderr);
      samples.push(preciseNow() - begin);
      await once(child, "exit");
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return samples;
}
