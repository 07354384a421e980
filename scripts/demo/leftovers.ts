/**
 * A last resort for the demo's cleanup: the agent processes (local "VMs") still running for this demo's
 * data directory. Deleting the pool stops them; this only matters if that did not finish in time.
 * Linux only (reads /proc); elsewhere it finds nothing.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Pids of processes, other than this one, whose command line mentions `dataDir`. */
export function processesMentioning(dataDir: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (args.some((arg) => arg.startsWith(dataDir))) pids.push(pid);
    } catch {
      // gone already, or not ours to read
    }
  }
  return pids;
}

/** SIGTERM, then SIGKILL to the process group (agents run detached, each leading its own group) after `graceMs`. */
export async function stopProcesses(pids: readonly number[], graceMs: number): Promise<void> {
  const send = (pid: number, signal: NodeJS.Signals) => {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  };
  for (const pid of pids) send(pid, "SIGTERM");
  const until = Date.now() + graceMs;
  let alive = pids.filter(isAlive);
  while (alive.length > 0 && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    alive = alive.filter(isAlive);
  }
  for (const pid of alive) {
    send(-pid, "SIGKILL");
    send(pid, "SIGKILL");
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    // A zombie still answers signal 0, but it has exited.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}
