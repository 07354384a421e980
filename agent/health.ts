/**
 * Samples the node's health (CPU, memory, the node root's disk, network counters) in the background so
 * a heartbeat never waits for a measurement. A heartbeat sends the latest sample, however old.
 *
 * CPU and network counters are read from /proc here, asynchronously: systeminformation's
 * `currentLoad` and `networkStats` run shell commands with `execSync`, which blocked the agent's event
 * loop for milliseconds on every sample, delaying the dispatches that arrived meanwhile (seen in a
 * CPU profile of the agent under the dispatch-latency benchmark). Memory still comes from it.
 */
import { readdir, readFile, statfs } from "node:fs/promises";
import { availableParallelism, freemem, totalmem } from "node:os";
import si from "systeminformation";
import type { Health } from "../protocol/agent.js";
import { errorText, type Log } from "./log.js";

/** A sample slower than this is logged: heartbeats still flow, but health lags behind. */
const SLOW_SAMPLE_MS = 2000;

export class HealthSampler {
  readonly #root: string;
  #intervalMs: number;
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

  /** Samples at least this often from now on (the service's heartbeat interval may be shorter). */
  sampleAtLeastEvery(intervalMs: number): void {
    if (intervalMs >= this.#intervalMs) return;
    this.#intervalMs = intervalMs;
    // A pending sample would wait out the old, longer interval.
    if (this.#timer && !this.#stopped) {
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => void this.#loop(), intervalMs);
    }
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

/** Whole disks (not partitions, not loop/ram/zram devices): the block devices /sys/block lists. */
let wholeDisks: Promise<Set<string>> | undefined;

async function listWholeDisks(): Promise<Set<string>> {
  try {
    const names = await readdir("/sys/block");
    return new Set(names.filter((name) => !/^(loop|ram|zram)/.test(name)));
  } catch {
    return new Set();
  }
}

/**
 * Read and written bytes and operations since boot over the machine's whole disks, from /proc/diskstats
 * (sectors are 512 bytes there whatever the device's). Zeros where the host has no such file.
 */
export async function readDiskCounters(): Promise<{
  readBytes: number;
  writeBytes: number;
  readOps: number;
  writeOps: number;
}> {
  wholeDisks ??= listWholeDisks();
  const disks = await wholeDisks;
  const totals = { readBytes: 0, writeBytes: 0, readOps: 0, writeOps: 0 };
  let text: string;
  try {
    text = await readFile("/proc/diskstats", "utf8");
  } catch {
    return totals;
  }
  for (const line of text.split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10 || !disks.has(fields[2]!)) continue;
    // major minor name | reads merged sectorsRead msReading | writes merged sectorsWritten ...
    totals.readOps += Number(fields[3]);
    totals.readBytes += Number(fields[5]) * 512;
    totals.writeOps += Number(fields[7]);
    totals.writeBytes += Number(fields[9]) * 512;
  }
  return totals;
}

/** One sample; `previousCpu` is the last sample's CPU times (the load is measured between the two). */
export async function sampleHealth(
  root: string,
  previousCpu?: CpuTimes,
): Promise<Health & { cpu: CpuTimes }> {
  const [cpu, memory, network, disk, io] = await Promise.all([
    readCpuTimes(),
    si.mem(),
    readNetworkBytes(),
    statfs(root),
    readDiskCounters(),
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
    diskAvailableBytes: disk.bavail * disk.bsize,
    diskReadBytes: io.readBytes,
    diskWriteBytes: io.writeBytes,
    diskReadOps: io.readOps,
    diskWriteOps: io.writeOps,
    cpuCount: availableParallelism(),
  };
}
