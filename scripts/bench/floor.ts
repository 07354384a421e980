/**
 * The machine's floor: Node spawning and reaping the same command directly, with the same
 * concurrency, and no scheduler at all. What OpenBatch's throughput and dispatch latency are
 * compared with.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
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
