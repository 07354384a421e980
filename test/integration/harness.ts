/**
 * Starts the real account service (`openbatch service start`, compiled in dist/) as a child process
 * on loopback with its own data directory, and cleans up every process that belongs to it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { BatchClient, BatchRequestError } from "../../client/index.js";
import type { Task } from "../../protocol/rest/task.js";
import { deleteOwnedNetworking } from "./networkProbe.js";

const root = path.resolve(import.meta.dirname, "../..");
const cli = path.join(root, "dist/cli/main.js");

export interface ServiceProcess {
  endpoint: string;
  accountName: string;
  accountKey: string;
  dataDir: string;
  client: BatchClient;
  child: ChildProcess;
  output: () => string;
}

export function makeDataDir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `openbatch-${name}-`));
}

/**
 * Starts the service on a free port (or `port`), resolving once it prints its endpoint. `extraArgs`
 * go to `service start` (e.g. `--provisioner external`).
 */
export async function startService(
  dataDir: string,
  port = 0,
  accountKey?: string,
  extraArgs: string[] = [],
): Promise<ServiceProcess> {
  const env = { ...process.env, OPENBATCH_CONFIG: path.join(dataDir, "cli-config.json") };
  const args = [
    cli,
    "service",
    "start",
    "--port",
    String(port),
    "--data-dir",
    dataDir,
    "--account-name",
    "testacct",
  ];
  if (accountKey) args.push("--account-key", accountKey);
  args.push(...extraArgs);
  const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stderr!.on("data", (d) => {
    output += d.toString();
  });
  const ready = await new Promise<{ endpoint: string; key: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start in 30 s:\n${output}`)), 30_000);
    child.stdout!.on("data", (d) => {
      output += d.toString();
      const endpoint = /listening on (\S+)/.exec(output)?.[1];
      const key = /OPENBATCH_ACCOUNT_KEY=(\S+)/.exec(output)?.[1];
      if (endpoint && key) {
        clearTimeout(timer);
        resolve({ endpoint, key });
      }
    });
    child.on("exit", (code) => reject(new Error(`service exited with ${code}:\n${output}`)));
  });
  // A service that dies on its own fails the test with ECONNREFUSED: its last words say why.
  child.on("exit", (code, signal) => {
    if (!stopping.has(child))
      process.stderr.write(
        `service of ${dataDir} exited by itself (${signal ?? code}); its output:\n${output}\n`,
      );
  });
  return {
    endpoint: ready.endpoint,
    accountName: "testacct",
    accountKey: ready.key,
    dataDir,
    child,
    output: () => output,
    client: new BatchClient({ endpoint: ready.endpoint, accountName: "testacct", accountKey: ready.key }),
  };
}

/** Services being stopped by a test (their exit is expected). */
const stopping = new WeakSet<ChildProcess>();

export async function stopService(
  service: ServiceProcess,
  signal: NodeJS.Signals = "SIGTERM",
): Promise<void> {
  if (service.child.exitCode !== null || service.child.signalCode !== null) return;
  stopping.add(service.child);
  const exited = new Promise((resolve) => service.child.once("exit", resolve));
  service.child.kill(signal);
  await exited;
}

/** Pids of live processes whose command line mentions `marker` (a data directory). */
export function processesMentioning(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue;
      if (fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(marker)) pids.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

/**
 * Pids of the agents of the node rooted at `root` (their argv has `--root <root>`). A child the agent
 * has forked but not yet exec'd shows the agent's argv too: it is told apart by its parent.
 */
export function agentPids(root: string): number[] {
  const parents = new Map<number, number>();
  for (const pid of processesMentioning(root)) {
    try {
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      if (argv[argv.indexOf("--root") + 1] !== root) continue;
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      parents.set(pid, Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // exited while we looked
    }
  }
  return [...parents].filter(([, parent]) => !parents.has(parent)).map(([pid]) => pid);
}

/** Last resort for a failed test: kill everything the test's data directory started. */
export function killEverything(dataDir: string): void {
  for (const pid of processesMentioning(dataDir)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
}

/** Polls `probe` until it returns a value (not undefined/false), or fails after `timeoutMs` with `what`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as T;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A service for the enclosing `describe`: started before its tests, stopped after them, and
 * everything its data directory started killed even when a test failed half-way. `extraArgs` go to
 * `service start`.
 */
export function serviceForSuite(
  name: string,
  extraArgs: string[] = [],
): {
  readonly dataDir: string;
  readonly service: ServiceProcess;
} {
  const suite = restartableService(name, extraArgs);
  beforeAll(async () => {
    await suite.start();
  });
  return suite;
}

/**
 * A service for the enclosing `describe` that its tests start, SIGKILL and start again on the same
 * data directory, port and key; stopped, and everything it started killed, after them.
 */
export function restartableService(
  name: string,
  extraArgs: string[] = [],
): {
  readonly dataDir: string;
  readonly service: ServiceProcess;
  start(): Promise<ServiceProcess>;
  kill(): Promise<void>;
} {
  const dataDir = makeDataDir(name);
  let service: ServiceProcess | undefined;
  let port = 0;
  afterAll(async () => {
    if (service) await stopService(service);
    killEverything(dataDir);
    deleteOwnedNetworking(dataDir);
  });
  return {
    dataDir,
    get service() {
      if (!service) throw new Error("the suite's service has not started");
      return service;
    },
    async start() {
      service = await startService(dataDir, port, service?.accountKey, extraArgs);
      port = Number(new URL(service.endpoint).port);
      return service;
    },
    async kill() {
      if (service) await stopService(service, "SIGKILL");
    },
  };
}

/** The BatchRequestError a call fails with (the test fails if it succeeds or fails otherwise). */
export async function refusal(call: Promise<unknown>): Promise<BatchRequestError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BatchRequestError);
  return error as BatchRequestError;
}

/** Waits until the task is completed and returns it. */
export function completedTask(client: BatchClient, jobId: string, taskId: string): Promise<Task> {
  return waitFor(`task ${taskId} to complete`, async () => {
    const task = await client.tasks.get(jobId, taskId);
    return task.state === "completed" && task;
  });
}
