/**
 * `npm start` as a user runs it: the compiled demo (built by `npm test` before vitest starts) as a child
 * process. It must finish on its own, verify its result, and leave no agent process behind.
 */
import { execFileSync, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { expect, it } from "vitest";

const REPO = resolve(import.meta.dirname, "../..");
const DEMO = join(REPO, "dist/scripts/demo.js");
const DEADLINE_MS = 180_000;

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

function runDemo(): Promise<Finished> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [DEMO], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    // SIGINT is the demo's own clean way out (it deletes the pool first); the test fails either way.
    const timer = setTimeout(() => child.kill("SIGINT"), DEADLINE_MS);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, output });
    });
  });
}

function processesMentioning(dir: string): string[] {
  const table = execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" });
  return table.split("\n").filter((line) => line.includes(dir));
}

it(
  "npm start: runs the demo job, checks its result, and leaves no agent process",
  async () => {
    const { code, signal, output } = await runDemo();
    const dataDir = /Data directory: (\S+)/.exec(output)?.[1];
    try {
      expect({ code, signal }, output).toEqual({ code: 0, signal: null });
      expect(output).toContain("OK: the result matches the in-process check");
      expect(output).toContain("Pool demo-pool deleted.");
      expect(dataDir, output).toBeDefined();
      expect(processesMentioning(dataDir!)).toEqual([]);
    } finally {
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  },
  DEADLINE_MS + 30_000,
);
