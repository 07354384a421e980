/**
 * Samples the node's health (CPU, memory, the node root's disk, network counters) in the background so
 * a heartbeat never waits for a measurement: systeminformation reads /proc and can be slow under a
 * sandbox such as gVisor. A heartbeat sends the latest sample, however old.
 */
import { statfs } from "node:fs/promises";
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
      this.#latest = await sampleHealth(this.#root);
    } catch (error) {
      this.#log.warn(`health: sampling failed, keeping the previous sample: ${errorText(error)}`);
    }
    const elapsed = performance.now() - started;
    if (elapsed > SLOW_SAMPLE_MS) this.#log.warn(`health: a sample took ${Math.round(elapsed)} ms`);
    if (!this.#stopped) this.#timer = setTimeout(() => void this.#loop(), this.#intervalMs);
  }
}

export async function sampleHealth(root: string): Promise<Health> {
  const [load, memory, network, disk] = await Promise.all([
    si.currentLoad(),
    si.mem(),
    si.networkStats("*"),
    statfs(root),
  ]);
  let rx = 0;
  let tx = 0;
  for (const iface of network) {
    if (iface.iface === "lo") continue;
    rx += iface.rx_bytes;
    tx += iface.tx_bytes;
  }
  return {
    cpuPercent: Number.isFinite(load.currentLoad) ? load.currentLoad : 0,
    // `active` excludes reclaimable caches, which is what "used" means to a user.
    memoryUsedBytes: memory.active,
    memoryTotalBytes: memory.total,
    diskUsedBytes: (disk.blocks - disk.bfree) * disk.bsize,
    diskTotalBytes: disk.blocks * disk.bsize,
    networkRxBytes: rx,
    networkTxBytes: tx,
  };
}
