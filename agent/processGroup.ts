/**
 * Signals and liveness checks for task processes. Every task runs as the leader of its own process
 * group (spawned `detached`), so signalling `-pid` reaches everything the task started that did not
 * leave the group on purpose.
 */
import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { constants } from "node:os";

/**
 * Sends `signal` to the process group led by `pid`. Never throws: a group that is already gone (ESRCH)
 * or a member the agent may not signal (EPERM) must not bring the agent down; returns whether it was sent.
 */
export function signalProcessGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** The shell convention for a process killed by a signal: 128 + the signal's number. */
export function exitCodeForSignal(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/** The kernel's start time of `pid` (clock ticks since boot), to tell a process from a later one reusing its pid. */
export function processStartTicks(pid: number): string | undefined {
  return readProcStat(pid)?.startTicks;
}

/**
 * Whether `pid` is a live process (zombies count as gone) and, when `startTicks` is given, still the
 * same process that was recorded.
 */
export function isProcessAlive(pid: number, startTicks?: string): boolean {
  const stat = readProcStat(pid);
  if (stat === null) return false;
  if (stat === undefined) return signalZeroSucceeds(pid);
  if (stat.state === "Z" || stat.state === "X") return false;
  return startTicks === undefined || stat.startTicks === startTicks;
}

interface ProcStat {
  state: string;
  startTicks: string;
}

/** `null` when the process does not exist, `undefined` when /proc cannot tell (not Linux). */
function readProcStat(pid: number): ProcStat | null | undefined {
  let text: string;
  try {
    text = readStatFile(pid);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ESRCH") return existsProc() ? null : undefined;
    return undefined;
  }
  // The command name is in parentheses and may hold spaces: fields are counted after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { state: fields[0] ?? "", startTicks: fields[19] ?? "" };
}

/** The stat file is one short line: a single read(2) gets it, where readFileSync reads again to find the end. */
const statBuffer = Buffer.alloc(4096);

function readStatFile(pid: number): string {
  const fd = openSync(`/proc/${pid}/stat`, "r");
  try {
    return statBuffer.toString("utf8", 0, readSync(fd, statBuffer));
  } finally {
    closeSync(fd);
  }
}

function existsProc(): boolean {
  try {
    readFileSync("/proc/self/stat");
    return true;
  } catch {
    return false;
  }
}

function signalZeroSucceeds(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
