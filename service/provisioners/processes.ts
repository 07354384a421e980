/** Small facts about processes that are not our children (agents adopted after a service restart). */
import fs from "node:fs";

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers signal 0 but is gone for our purposes.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}

/** Is `pid` still the process we started (its command line mentions `marker`), not a reused pid? */
export function commandLineIncludes(pid: number, marker: string): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(marker);
  } catch {
    return false;
  }
}

export function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/** Resolves once the process is gone, polling; `false` if it outlived the deadline. */
export async function waitForExit(pid: number, deadlineMs: number): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  while (isAlive(pid)) {
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/**
 * SIGKILLs every process whose working directory is inside `directory`, and the process groups they
 * lead: the tasks of a local node whose agent is gone for good (they run in the node's root).
 */
export function killProcessesIn(directory: string): number {
  const inside = `${directory}/`;
  let killed = 0;
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let cwd: string;
    try {
      cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
    } catch {
      continue; // gone meanwhile, or not ours to look at
    }
    if (!cwd.startsWith(inside)) continue;
    signal(-Number(entry), "SIGKILL");
    signal(Number(entry), "SIGKILL");
    killed++;
  }
  return killed;
}
