/** Health history: the autoscale resource metrics per sample period and the pool/account statistics. */
import { describe, expect, it } from "vitest";
import type { Health } from "../../../protocol/agent.js";
import { NodeHealth } from "../../../service/core/nodeHealth.js";

const GIB = 1024 ** 3;

function health(overrides: Partial<Health>): Health {
  return {
    cpuPercent: 0,
    memoryUsedBytes: GIB,
    memoryTotalBytes: 4 * GIB,
    diskUsedBytes: 10e9,
    diskTotalBytes: 100e9,
    networkRxBytes: 0,
    networkTxBytes: 0,
    diskReadBytes: 0,
    diskWriteBytes: 0,
    diskReadOps: 0,
    diskWriteOps: 0,
    cpuCount: 2,
    ...overrides,
  };
}

describe("NodeHealth", () => {
  it("has no resource metric for a pool whose nodes never reported", () => {
    const history = new NodeHealth(0);
    expect(history.poolMetrics("p", ["n1"], 1000, 1000)).toEqual({});
  });

  it("gives the period's metrics with Azure's meanings: averages over nodes, counts added up", () => {
    const history = new NodeHealth(0);
    // n1: two heartbeats in the period (after one before it); n2: one.
    history.record("p", "n1", health({ cpuPercent: 90, networkTxBytes: 1000, diskWriteOps: 5 }), 500, true);
    history.record("p", "n1", health({ cpuPercent: 10, networkTxBytes: 3000, diskWriteOps: 9 }), 1500, true);
    history.record(
      "p",
      "n1",
      health({ cpuPercent: 30, networkTxBytes: 4000, diskWriteOps: 10, memoryUsedBytes: 3e6 }),
      1900,
      true,
    );
    history.record(
      "p",
      "n2",
      health({ cpuPercent: 60, diskUsedBytes: 30e9, memoryUsedBytes: 1e6 }),
      1800,
      true,
    );
    const metrics = history.poolMetrics("p", ["n1", "n2", "gone"], 2000, 1000);
    expect(metrics.CPUPercent).toBe((20 + 60) / 2);
    expect(metrics.MemoryBytes).toBe((3 + 1) / 2); // megabytes
    expect(metrics.DiskBytes).toBe((10 + 30) / 2); // gigabytes
    expect(metrics.NetworkOutBytes).toBe(3000); // n1 since its heartbeat before the period; n2 nothing
    expect(metrics.DiskWriteOps).toBe(5);
    expect(metrics.WallClockSeconds).toBe(1 + 0.2); // n1 the whole second, n2 since it first reported
  });

  it("adds up pool and lifetime statistics, a counter reset counting as nothing", () => {
    const history = new NodeHealth(0);
    history.record(
      "p",
      "n1",
      health({ cpuPercent: 20, diskReadBytes: GIB, memoryUsedBytes: GIB }),
      1000,
      true,
    );
    history.record(
      "p",
      "n1",
      health({ cpuPercent: 40, diskReadBytes: 3 * GIB, memoryUsedBytes: 3 * GIB }),
      3000,
      true,
    );
    history.record("p", "n1", health({ cpuPercent: 60, diskReadBytes: 0 }), 4000, true); // rebooted
    history.record("q", "m1", health({ cpuPercent: 100, networkRxBytes: 5 }), 4000, false);
    history.record("q", "m1", health({ cpuPercent: 100, networkRxBytes: GIB + 5 }), 5000, false);
    const pool = history.poolStatistics("url", "p", new Date(0).toISOString());
    expect(pool.resourceStats!.avgCPUPercentage).toBe(40);
    expect(pool.resourceStats!.diskReadGiB).toBe(2);
    expect(pool.resourceStats!.peakMemoryGiB).toBe(3);
    expect(pool.resourceStats!.avgMemoryGiB).toBeCloseTo(5 / 3);
    expect(pool.usageStats!.dedicatedCoreTime).toBe("PT6S"); // 3 s × 2 cores
    expect(pool.lastUpdateTime).toBe(new Date(4000).toISOString());
    const lifetime = history.lifetimeStatistics("url");
    expect(lifetime.resourceStats!.avgCPUPercentage).toBe((20 + 40 + 60 + 100 + 100) / 5);
    expect(lifetime.resourceStats!.networkReadGiB).toBe(1);
    expect(lifetime.usageStats!.dedicatedCoreTime).toBe("PT6S"); // low-priority nodes' cores do not count
    history.forgetPool("p");
    expect(
      history.poolStatistics("url", "p", new Date(0).toISOString()).resourceStats!.avgCPUPercentage,
    ).toBe(0);
    expect(history.lifetimeStatistics("url").resourceStats!.diskReadGiB).toBe(2);
  });
});
