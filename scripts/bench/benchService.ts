/**
 * The account service under test, as its own process (`openbatch service start`), so that its RSS
 * and CPU are its own and a `kill -9` hits only it. Started on a free loopback port with a fresh data
 * directory; stopped by its PID, together with the agents of its local pools.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BatchClient } from "../../client/index.js";
import { withRaisedFileLimit } from "./fileLimit.js";

const CLI = resolve(import.meta.dirname, "../../cli/main.js");
const ACCOUNT = "bench";
const START_DEADLINE_MS = 60_000;

export interface BenchServiceOptions {
  /** Reuse a data directory (a restart); default: a fresh one. */
  dataDir?: string;
  /** Reuse a port (a restart keeps the agents' service URL valid); default: a free one. */
  port?: number;
  /** Extra `service start` flags. */
  flags?: string[];
  /** Extra `node` flags for the service process, e.g. `--cpu-prof`. */
  nodeFlags?: string[];
  /** Start it with the open-file limit at the hard limit, for thousands of agent connections. */
  raiseFileLimit?: boolean;
}

export class BenchService {
  private constructor(
    readonly child: ChildProcess,
    readonly dataDir: string,
    readonly endpoint: string,
    readonly accountKey: string,
    readonly client: BatchClient,
  ) {}

  static async start(options: BenchServiceOptions = {}): Promise<BenchService> {
    const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "openbatch-bench-"));
    const args = [
      ...(options.nodeFlags ?? []),
      CLI,
      "service",
      "start",
      "--port",
      String(options.port ?? 0),
      "--data-dir",
      dataDir,
      "--account-name",
      ACCOUNT,
      ...(options.flags ?? []),
    ];
    const [command, argv] = options.raiseFileLimit
      ? withRaisedFileLimit(process.execPath, args)
      : [process.execPath, args];
    const child = spawn(command, argv, {
      env: { ...process.env, OPENBATCH_CONFIG: join(dataDir, "cli-config.json") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const ready = await new Promise<{ endpoint: string; key: string }>((resolvePromise, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the service did not start:\n${output}`)),
        START_DEADLINE_MS,
      );
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        const endpoint = /listening on (\S+)/.exec(output)?.[1];
        const key = /OPENBATCH_ACCOUNT_KEY=(\S+)/.exec(output)?.[1];
        if (endpoint && key) {
          clearTimeout(timer);
          resolvePromise({ endpoint, key });
        }
      };
      child.stdout!.on("data", read);
      child.stderr!.on("data", (chunk: Buffer) => {
        output = `${output}${chunk.toString()}`.slice(-20_000);
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`the service exited with ${code}:\n${output}`));
      });
    });
    child.stdout!.resume();
    child.stderr!.resume();
    const client = new BatchClient({ endpoint: ready.endpoint, accountName: ACCOUNT, accountKey: ready.key });
    return new BenchService(child, dataDir, ready.endpoint, ready.key, client);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get port(): number {
    return Number(new URL(this.endpoint).port);
  }

  /** Resident set size of the service process now, in MiB. */
  rssMiB(): number {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  }

  /** Peak resident set size of the service process so far, in MiB. */
  peakRssMiB(): number {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  }

  /** Stops the process with `signal` and waits for it; the data directory stays (see `remove`). */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolvePromise) => this.child.once("exit", resolvePromise));
    this.child.kill(signal);
    await exited;
  }

  /** Deletes every pool (so local agents stop), stops the service and removes its data directory. */
  async dispose(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      for await (const pool of this.client.pools.list()) await this.client.pools.delete(pool.id);
      await waitUntil("the pools to be deleted", async () => {
        for await (const _ of this.client.pools.list()) return false;
        return true;
      });
      await this.stop();
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Polls `probe` every `intervalMs` until it is true; throws after `timeoutMs`. */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs = 120_000,
  intervalMs = 20,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolvePromise) => setTimeout(resolvePromise, intervalMs));
  }
}
