/** CPU time used by a process (`/proc/<pid>/stat`) or the whole machine (`/proc/stat`) over a measured window. */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

/** Linux's USER_HZ: the unit of utime/stime (`getconf CLK_TCK`, 100 on every mainstream kernel). */
const CLOCK_TICKS_PER_SECOND = 100;

/** User + system CPU seconds used by `pid` so far (its own threads, not its children). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name may hold spaces: fields are counted after its closing parenthesis (field 3 on).
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / CLOCK_TICKS_PER_SECOND;
}

/** CPU used from now until the returned function is called, in percent of one core. */
export function cpuWindow(pid: number): () => number {
  const cpuAtStart = cpuSeconds(pid);
  const wallAtStart = performance.now();
  return () => ((cpuSeconds(pid) - cpuAtStart) / ((performance.now() - wallAtStart) / 1000)) * 100;
}

/** CPU used by the whole machine from now until the returned function is called, in percent of one core (all cores: up to 100 × cores). */
export function machineCpuWindow(): () => number {
  const start = machineTicks();
  return () => {
    const end = machineTicks();
    return ((end.busy - start.busy) / (end.total - start.total)) * 100 * availableParallelism();
  };
}

function machineTicks(): { busy: number; total: number } {
  // First line of /proc/stat: "cpu  user nice system idle iowait irq softirq steal ..." in ticks.
  const ticks = readFileSync("/proc/stat", "utf8")
    .split("\n")[0]!
    .trim()
    .split(/\s+/)
    .slice(1, 9)
    .map(Number);
  const total = ticks.reduce((sum, t) => sum + t, 0);
  return { busy: total - ticks[3]! - ticks[4]!, total };
}
