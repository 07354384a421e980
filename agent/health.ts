/**
 * Samples the node's health (CPU, memory, the node root's disk, network counters) in the background so
 * a heartbeat never waits for a measurement. A heartbeat sends the latest sample, however old.
 *
 * CPU and network counters are read from /proc here, asynchronously: systeminformation's
 * `currentLoad` and `networkStats` run shell commands with `execSync`, which blocked the agent's event
 * loop for milliseconds on every sample, delaying the dispatches that arrived meanwhile (seen in a
 * CPU profile of the agent under the dispatch-latency benchmark). Memory still comes from it.
 */
import { readFile, statfs } from "node:fs/promises";
import { freemem, totalmem } from "node:os";
import si from "systeminformation";
import type { Health } from "../protocol/agent.js";
import { errorText, type Log } from "./log.js";

/** A sample slower than this is logged: heartbeats still flow, but health lags behind. */
const SLOW_SAMPLE_MS = 2000;

export class HealthSampler {
  readonly #root: string;
  readonly #intervalMs: number;
  readonly #log: Log;
  #timer: NodeJS.Timeout | undefined;
  #stopped = true;
  #cpu: CpuTimes | undefined;
  // Until the first full sample lands: what the os module knows at once.
  #latest: Health = {
    cpuPercent: 0,
    memoryUsedBytes: totalmem() - freemem(),
    memoryTotalBytes: totalmem(),
    diskUsedBytes: 0,
    diskTotalBytes: 0,
  };

  constructor(root: string, intervalMs: number, log: Log) {
    this.#root = root;
    this.#intervalMs = intervalMs;
    this.#log = log;
  }

  get latest(): Health {
    return this.#latest;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    void this.#loop();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  // One sample at a time: the next starts `intervalMs` after the previous one finished.
  async #loop(): Promise<void> {
    if (this.#stopped) return;
    const started = performance.now();
    try {
      const { cpu, ...health } = await sampleHealth(this.#root, this.#cpu);
      this.#cpu = cpu;
      this.#latest = health;
    } catch (error) {
      this.#log.warn(`health: sampling failed, keeping the previous sample: ${errorText(error)}`);
    }
    const elapsed = performance.now() - started;
    if (elapsed > SLOW_SAMPLE_MS) this.#log.warn(`health: a sample took ${Math.round(elapsed)} ms`);
    if (!this.#stopped) this.#timer = setTimeout(() => void this.#loop(), this.#intervalMs);
  }
}

/** Busy and total CPU time (jiffies) since boot, from the `cpu` line of /proc/stat. */
export interface CpuTimes {
  busy: number;
  total: number;
}

export async function readCpuTimes(): Promise<CpuTimes> {
  const text = await readFile("/proc/stat", "utf8");
  const fields = text.slice(0, text.indexOf("\n")).trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  // idle + iowait
  return { busy: total - (fields[3] ?? 0) - (fields[4] ?? 0), total };
}

/** Received and sent bytes over every interface but loopback, from /proc/net/dev. */
export async function readNetworkBytes(): Promise<{ rx: number; tx: number }> {
  const lines = (await readFile("/proc/net/dev", "utf8")).split("\n").slice(2);
  let rx = 0;
  let tx = 0;
  for (const line of lines) {
    const [name, counters] = line.split(":");
    if (!counters || name!.trim() === "lo") continue;
    const values = counters.trim().split(/\s+/).map(Number);
    rx += values[0] ?? 0;
    tx += values[8] ?? 0;
  }
  return { rx, tx };
}

/** One sample; `previousCpu` is the last sample's CPU times (the load is measured between the two). */
export async function sampleHealth(
  root: string,
  previousCpu?: CpuTimes,
): Promise<Health & { cpu: CpuTimes }> {
  const [cpu, memory, network, disk] = await Promise.all([
    readCpuTimes(),
    si.mem(),
    readNetworkBytes(),
    statfs(root),
  ]);
  const elapsed = previousCpu ? cpu.total - previousCpu.total : 0;
  const cpuPercent = previousCpu && elapsed > 0 ? (100 * (cpu.busy - previousCpu.busy)) / elapsed : 0;
  return {
    cpu,
    cpuPercent,
    // `active` excludes reclaimable caches, which is what "used" means to a user.
    memoryUsedBytes: memory.active,
    memoryTotalBytes: memory.total,
    diskUsedBytes: (disk.blocks - disk.bfree) * disk.bsize,
    diskTotalBytes: disk.blocks * disk.bsize,
    networkRxBytes: network.rx,
    networkTxBytes: network.tx,
  };
}
