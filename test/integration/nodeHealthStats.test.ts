/**
 * The health agents send with their heartbeats reaches the autoscale samples (`$CPUPercent`,
 * `$MemoryBytes`, ... through `evaluateAutoScale`), the pool's `$expand=stats`, and the account's
 * lifetime statistics, which the official `@azure/batch` client reads.
 */
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { describe, expect, it } from "vitest";
import { completedTask, serviceForSuite, waitFor } from "./harness.js";

describe("node health history", () => {
  const suite = serviceForSuite("health", ["--heartbeat-interval-ms", "200"]);

  it("feeds the autoscale samples with real numbers", async () => {
    const { client } = suite.service;
    await client.pools.add({
      id: "hp",
      vmSize: "small",
      enableAutoScale: true,
      autoScaleFormula: "$TargetDedicatedNodes = 1;",
      autoScaleEvaluationInterval: "PT2S",
    });
    await waitFor("the node to be idle", async () => {
      const pool = await client.pools.get("hp");
      return pool.currentDedicatedNodes === 1 && pool.allocationState === "steady";
    });
    const formula = [
      "cpu = avg($CPUPercent.GetSample(2));",
      "memory = avg($MemoryBytes.GetSample(1));",
      "disk = avg($DiskBytes.GetSample(1));",
      "seconds = avg($WallClockSeconds.GetSample(1));",
      "written = avg($NetworkOutBytes.GetSample(1));",
      "$TargetDedicatedNodes = 1;",
    ].join("\n");
    // Two sample periods (2 s each) with the node reporting.
    const run = await waitFor(
      "two samples of every resource metric",
      async () => {
        const evaluated = await client.pools.evaluateAutoScale("hp", formula);
        return !evaluated.error && evaluated;
      },
      20_000,
    );
    const value = (name: string) => Number(new RegExp(`${name}=([^;]+)`).exec(run.results!)?.[1]);
    expect(value("cpu")).toBeGreaterThanOrEqual(0);
    expect(value("cpu")).toBeLessThanOrEqual(100);
    // Azure's units: megabytes of memory, gigabytes of disk.
    expect(value("memory")).toBeGreaterThan(1);
    expect(value("memory")).toBeLessThan(1e7);
    expect(value("disk")).toBeGreaterThan(0);
    expect(value("seconds")).toBeGreaterThan(0);
    expect(value("seconds")).toBeLessThanOrEqual(2);
    expect(value("written")).toBeGreaterThanOrEqual(0);
  });

  it("shows pool statistics and the account's lifetime statistics, also to @azure/batch", async () => {
    const { client, endpoint, accountName, accountKey } = suite.service;
    await client.jobs.add({ id: "hj", poolInfo: { poolId: "hp" } });
    await client.tasks.add("hj", { id: "t1", commandLine: "/bin/true" });
    await completedTask(client, "hj", "t1");

    const pool = await client.pools.get("hp", { expand: "stats" });
    const resource = pool.stats!.resourceStats!;
    expect(resource.avgMemoryGiB).toBeGreaterThan(0);
    expect(resource.peakMemoryGiB).toBeGreaterThanOrEqual(resource.avgMemoryGiB);
    expect(resource.peakDiskGiB).toBeGreaterThan(0);
    expect(pool.stats!.usageStats!.dedicatedCoreTime).not.toBe("PT0S");
    expect(pool.stats!.url).toBe(`${endpoint}/pools/hp/stats`);
    expect((await client.pools.get("hp")).stats).toBeUndefined();

    const batch = new BatchServiceClient(new BatchSharedKeyCredentials(accountName, accountKey), endpoint);
    const lifetime = await batch.pool.getAllLifetimeStatistics();
    expect(lifetime.resourceStats!.avgMemoryGiB).toBeGreaterThan(0);
    expect(lifetime.resourceStats!.peakMemoryGiB).toBeGreaterThanOrEqual(resource.peakMemoryGiB);
    expect(lifetime.usageStats!.dedicatedCoreTime).toMatch(/^PT/);
    const jobs = await batch.job.getAllLifetimeStatistics();
    expect(jobs.numSucceededTasks).toBe(1);
    expect(jobs.numFailedTasks).toBe(0);
    expect((await client.jobs.getAllLifetimeStatistics()).url).toBe(`${endpoint}/lifetimejobstats`);
  });
});
