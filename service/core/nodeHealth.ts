/**
 * The health agents report with every heartbeat, kept per node in a bounded ring, and added up per pool
 * and for the whole account since the service started: what the autoscale samples read
 * (`$CPUPercent`, `$MemoryBytes`, ...) and what pool `$expand=stats` and `GET /lifetimepoolstats` show.
 *
 * Azure's meanings (batch-automatic-scaling, "Resource metrics"), per sample period, across the pool's
 * nodes that reported: `$CPUPercent` the average CPU usage (percent); `$MemoryBytes` the average
 * number of *megabytes* used and `$DiskBytes` the average number of *gigabytes* used on the local disk
 * (Azure documents those units despite the names); `$DiskReadBytes`, `$DiskWriteBytes`, `$DiskReadOps`,
 * `$DiskWriteOps`, `$NetworkInBytes`, `$NetworkOutBytes` the counts during the period, added up over the
 * nodes; `$WallClockSeconds` the seconds the nodes were there during the period, added up.
 *
 * Everything lives in memory: after a restart the figures start again (their `startTime` says when).
 * Local nodes share one machine, so their machine-wide counters (disk, network) are counted once per node.
 */
import type { Health } from "../../protocol/agent.js";
import { formatDuration } from "../../protocol/duration.js";
import type { PoolStatistics, ResourceStatistics } from "../../protocol/rest/pool.js";
import type { MetricName } from "../autoscale/evaluator.js";

/** Heartbeats kept per node: a few minutes at the default interval, enough for one sample period. */
const RING_SIZE = 64;
const MIB = 1024 ** 2;
const GIB = 1024 ** 3;
const GB = 1e9;
const MB = 1e6;

export interface HealthEntry {
  /** Epoch ms when the service received it. */
  at: number;
  health: Health;
}

const counterNames = [
  "diskReadBytes",
  "diskWriteBytes",
  "diskReadOps",
  "diskWriteOps",
  "networkRxBytes",
  "networkTxBytes",
] as const;
type CounterName = (typeof counterNames)[number];

/** Running sums over every heartbeat since `startTime` (a pool's, or the account's). */
interface ResourceTotals {
  startTime: number;
  lastUpdateTime: number;
  samples: number;
  cpuPercent: number;
  memoryBytes: number;
  peakMemoryBytes: number;
  diskBytes: number;
  peakDiskBytes: number;
  counters: Record<CounterName, number>;
  dedicatedCoreMs: number;
}

export class NodeHealth {
  private readonly rings = new Map<string, HealthEntry[]>();
  private readonly pools = new Map<string, ResourceTotals>();
  private readonly account: ResourceTotals;

  constructor(private readonly startedAt = Date.now()) {
    this.account = emptyTotals(startedAt);
  }

  /** A heartbeat's health: kept in the node's ring and added to its pool's and the account's sums. */
  record(poolId: string, nodeId: string, health: Health, at: number, isDedicated: boolean): void {
    const key = `${poolId}/${nodeId}`;
    const ring = this.rings.get(key) ?? [];
    const previous = ring.at(-1);
    ring.push({ at, health });
    if (ring.length > RING_SIZE) ring.shift();
    this.rings.set(key, ring);
    let pool = this.pools.get(poolId);
    if (!pool) {
      pool = emptyTotals(at);
      this.pools.set(poolId, pool);
    }
    for (const totals of [pool, this.account]) add(totals, health, previous, at, isDedicated);
  }

  latest(poolId: string, nodeId: string): HealthEntry | undefined {
    return this.rings.get(`${poolId}/${nodeId}`)?.at(-1);
  }

  /** The node left its pool (its sums stay in the pool's). */
  forgetNode(poolId: string, nodeId: string): void {
    this.rings.delete(`${poolId}/${nodeId}`);
  }

  /** The pool was deleted (its sums stay in the account's). */
  forgetPool(poolId: string): void {
    this.pools.delete(poolId);
    for (const key of this.rings.keys()) if (key.startsWith(`${poolId}/`)) this.rings.delete(key);
  }

  /**
   * The resource metrics of a pool for the sample period `(at - periodMs, at]`, from its nodes'
   * heartbeats; none at all while no node has reported (a formula then gets too few samples).
   */
  poolMetrics(
    poolId: string,
    nodeIds: string[],
    at: number,
    periodMs: number,
  ): Partial<Record<MetricName, number>> {
    const since = at - periodMs;
    const reporting = nodeIds
      .map((id) => this.rings.get(`${poolId}/${id}`))
      .filter((ring): ring is HealthEntry[] => ring !== undefined && ring.length > 0);
    if (reporting.length === 0) return {};
    const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
    const sum = (values: number[]) => values.reduce((total, v) => total + v, 0);
    const inPeriod = (ring: HealthEntry[]) => {
      const recent = ring.filter((entry) => entry.at > since);
      return recent.length > 0 ? recent : [ring.at(-1)!];
    };
    const growth = (name: CounterName) =>
      sum(
        reporting.map((ring) => {
          const before = [...ring].reverse().find((entry) => entry.at <= since) ?? ring[0]!;
          return Math.max(0, (ring.at(-1)!.health[name] ?? 0) - (before.health[name] ?? 0));
        }),
      );
    return {
      CPUPercent: mean(reporting.map((ring) => mean(inPeriod(ring).map((e) => e.health.cpuPercent)))),
      MemoryBytes: mean(reporting.map((ring) => ring.at(-1)!.health.memoryUsedBytes / MB)),
      DiskBytes: mean(reporting.map((ring) => ring.at(-1)!.health.diskUsedBytes / GB)),
      DiskReadBytes: growth("diskReadBytes"),
      DiskWriteBytes: growth("diskWriteBytes"),
      DiskReadOps: growth("diskReadOps"),
      DiskWriteOps: growth("diskWriteOps"),
      NetworkInBytes: growth("networkRxBytes"),
      NetworkOutBytes: growth("networkTxBytes"),
      WallClockSeconds: sum(reporting.map((ring) => (at - Math.max(since, ring[0]!.at)) / 1000)),
    };
  }

  /** A pool's `stats` (`startTime`: its creation, or the service's start when later). */
  poolStatistics(url: string, poolId: string, creationTime: string): PoolStatistics {
    const start = Math.max(Date.parse(creationTime), this.startedAt);
    return statisticsView(url, this.pools.get(poolId) ?? emptyTotals(start), start);
  }

  /** `GET /lifetimepoolstats`: every pool's figures since the service started. */
  lifetimeStatistics(url: string): PoolStatistics {
    return statisticsView(url, this.account, this.startedAt);
  }
}

function emptyTotals(startTime: number): ResourceTotals {
  return {
    startTime,
    lastUpdateTime: startTime,
    samples: 0,
    cpuPercent: 0,
    memoryBytes: 0,
    peakMemoryBytes: 0,
    diskBytes: 0,
    peakDiskBytes: 0,
    counters: Object.fromEntries(counterNames.map((name) => [name, 0])) as Record<CounterName, number>,
    dedicatedCoreMs: 0,
  };
}

function add(
  totals: ResourceTotals,
  health: Health,
  previous: HealthEntry | undefined,
  at: number,
  isDedicated: boolean,
): void {
  totals.samples++;
  totals.lastUpdateTime = at;
  totals.cpuPercent += health.cpuPercent;
  totals.memoryBytes += health.memoryUsedBytes;
  totals.peakMemoryBytes = Math.max(totals.peakMemoryBytes, health.memoryUsedBytes);
  totals.diskBytes += health.diskUsedBytes;
  totals.peakDiskBytes = Math.max(totals.peakDiskBytes, health.diskUsedBytes);
  if (!previous) return;
  // Counters restart from zero when the machine reboots: a drop counts as nothing, not as negative.
  for (const name of counterNames)
    totals.counters[name] += Math.max(0, (health[name] ?? 0) - (previous.health[name] ?? 0));
  if (isDedicated) totals.dedicatedCoreMs += (at - previous.at) * (health.cpuCount ?? 1);
}

function statisticsView(url: string, totals: ResourceTotals, startTime: number): PoolStatistics {
  const start = new Date(startTime).toISOString();
  const updated = new Date(Math.max(totals.lastUpdateTime, startTime)).toISOString();
  const average = (sum: number) => (totals.samples === 0 ? 0 : sum / totals.samples);
  const { counters } = totals;
  const resourceStats: ResourceStatistics = {
    startTime: start,
    lastUpdateTime: updated,
    avgCPUPercentage: average(totals.cpuPercent),
    avgMemoryGiB: average(totals.memoryBytes) / GIB,
    peakMemoryGiB: totals.peakMemoryBytes / GIB,
    avgDiskGiB: average(totals.diskBytes) / GIB,
    peakDiskGiB: totals.peakDiskBytes / GIB,
    diskReadIOps: counters.diskReadOps,
    diskWriteIOps: counters.diskWriteOps,
    diskReadGiB: counters.diskReadBytes / GIB,
    diskWriteGiB: counters.diskWriteBytes / GIB,
    networkReadGiB: counters.networkRxBytes / GIB,
    networkWriteGiB: counters.networkTxBytes / GIB,
  };
  return {
    url,
    startTime: start,
    lastUpdateTime: updated,
    usageStats: {
      startTime: start,
      lastUpdateTime: updated,
      dedicatedCoreTime: formatDuration(totals.dedicatedCoreMs),
    },
    resourceStats,
  };
}

/** Bytes shown in a message: MiB with one decimal. */
export function mebibytes(bytes: number): string {
  return `${(bytes / MIB).toFixed(1)} MiB`;
}
