/**
 * Background daemons the Slurm peer started itself, and stopping exactly those. A daemon is identified by
 * pid and kernel start time (from /proc), so a recycled pid in a later `slurm.js stop` is never signalled.
 * Linux only, as is Slurm.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";

/** What pids.json keeps per daemon. */
export interface DaemonRecord {
  /** "munged", "slurmctld", "slurmd n1", ... */
  name: string;
  pid: number;
  /** Field 22 of /proc/<pid>/stat: ticks since boot at which the process started. */
  startTime: string;
}

/** A daemon started by this process: its record, and why it ended if it did. */
export interface Daemon {
  record: DaemonRecord;
  /** Set when the process exits, e.g. "exited with code 1". */
  ended?: string;
}

const STOP_POLL_MS = 50;

/**
 * Starts `program` in the background with its output appended to `consoleLog`. `detach` puts it in its own
 * session and lets this process exit before it (for `slurm.js start`); otherwise it shares our process group,
 * so a Ctrl+C of the bench reaches it too.
 */
export function startDaemon(options: {
  name: string;
  program: string;
  args: string[];
  consoleLog: string;
  env: NodeJS.ProcessEnv;
  detach: boolean;
}): Daemon {
  const output = openSync(options.consoleLog, "a");
  let child: ChildProcess;
  try {
    child = spawn(options.program, options.args, {
      env: options.env,
      stdio: ["ignore", output, output],
      detached: options.detach,
    });
  } finally {
    closeSync(output);
  }
  if (child.pid === undefined) throw new Error(`could not start ${options.name} (${options.program})`);
  const daemon: Daemon = {
    record: { name: options.name, pid: child.pid, startTime: startTimeOf(child.pid) ?? "" },
  };
  child.once("exit", (code, signal) => {
    daemon.ended = signal === null ? `exited with code ${code}` : `was killed by ${signal}`;
  });
  child.once("error", (error) => {
    daemon.ended = `failed: ${error.message}`;
  });
  if (options.detach) child.unref();
  return daemon;
}

/** Whether the recorded process still runs: same pid, same start time, and not a zombie awaiting its reaper. */
export function isRunning(record: DaemonRecord): boolean {
  const stat = readStat(record.pid);
  return stat !== undefined && stat.state !== "Z" && stat.startTime === record.startTime;
}

/**
 * SIGTERM to each recorded daemon still running, then waits for all to exit; SIGKILL to those left after
 * `graceMs`. Returns the names of daemons that survived even SIGKILL (none, normally).
 */
export async function stopDaemons(records: readonly DaemonRecord[], graceMs: number): Promise<string[]> {
  let running = records.filter(isRunning);
  for (const record of running) signal(record.pid, "SIGTERM");
  running = await waitForExit(running, graceMs);
  for (const record of running) signal(record.pid, "SIGKILL");
  running = await waitForExit(running, graceMs);
  return running.map((record) => `${record.name} (pid ${record.pid})`);
}

async function waitForExit(records: DaemonRecord[], deadlineMs: number): Promise<DaemonRecord[]> {
  const until = Date.now() + deadlineMs;
  let running = records.filter(isRunning);
  while (running.length > 0 && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, STOP_POLL_MS));
    running = running.filter(isRunning);
  }
  return running;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // exited between the check and the signal
  }
}

function startTimeOf(pid: number): string | undefined {
  return readStat(pid)?.startTime;
}

function readStat(pid: number): { state: string; startTime: string } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses; the fields after its last ")" do not.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { state: fields[0]!, startTime: fields[19]! };
}
