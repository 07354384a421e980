/** `openbatch pool stats` and `openbatch job stats`: a pool's or job's `$expand=stats`, or the account's lifetime figures. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeBatchService, lastRequestTo, startFakeBatchService } from "../client/fakeBatchService.js";
import { credentialsEnv, runCli } from "./cliHarness.js";

const dir = mkdtempSync(join(tmpdir(), "openbatch-cli-stats-"));
const window = { startTime: "2026-01-01T00:00:00.000Z", lastUpdateTime: "2026-01-01T01:00:00.000Z" };
const poolStats = (cpu: number) => ({
  url: "http://fake/pools/p1/stats",
  ...window,
  usageStats: { ...window, dedicatedCoreTime: "PT2H" },
  resourceStats: {
    ...window,
    avgCPUPercentage: cpu,
    avgMemoryGiB: 1.5,
    peakMemoryGiB: 2,
    avgDiskGiB: 10,
    peakDiskGiB: 11,
    diskReadIOps: 7,
    diskWriteIOps: 8,
    diskReadGiB: 0.25,
    diskWriteGiB: 0.5,
    networkReadGiB: 0.125,
    networkWriteGiB: 0.0625,
  },
});
const jobStats = (succeeded: number) => ({
  url: "http://fake/lifetimejobstats",
  ...window,
  wallClockTime: "PT1M",
  waitTime: "PT2S",
  numSucceededTasks: succeeded,
  numFailedTasks: 1,
  numTaskRetries: 2,
});

let service: FakeBatchService;
beforeAll(async () => {
  service = await startFakeBatchService({
    "GET /pools/p1": () => ({ status: 200, body: { id: "p1", stats: poolStats(12.5) } }),
    "GET /lifetimepoolstats": () => ({ status: 200, body: poolStats(42.25) }),
    "GET /jobs/j1": () => ({ status: 200, body: { id: "j1", stats: jobStats(3) } }),
    "GET /lifetimejobstats": () => ({ status: 200, body: jobStats(30) }),
  });
});
afterAll(() => service.close());

const openbatch = (args: string[]) => runCli(args, credentialsEnv(service, dir));

describe("openbatch pool stats / job stats", () => {
  it("shows a pool's statistics, asking for $expand=stats", async () => {
    const out = await openbatch(["pool", "stats", "p1"]);
    expect(lastRequestTo(service, "GET", "/pools/p1").query.get("$expand")).toBe("stats");
    expect(out.stdout).toMatch(/avgCPUPercentage\s+12\.5/);
    expect(out.stdout).toMatch(/dedicatedCoreTime\s+PT2H/);
    expect(out.stdout).toMatch(/peakMemory\s+2\.000 GiB/);
  });

  it("shows the account's lifetime pool statistics without an id, as JSON with -o json", async () => {
    const out = await openbatch(["-o", "json", "pool", "stats"]);
    expect(JSON.parse(out.stdout)).toEqual(poolStats(42.25));
  });

  it("shows a job's statistics, or every job's without an id", async () => {
    const one = await openbatch(["job", "stats", "j1"]);
    expect(lastRequestTo(service, "GET", "/jobs/j1").query.get("$expand")).toBe("stats");
    expect(one.stdout).toMatch(/numSucceededTasks\s+3/);
    const all = await openbatch(["job", "stats"]);
    expect(all.stdout).toMatch(/numSucceededTasks\s+30/);
    expect(all.stdout).toMatch(/numTaskRetries\s+2/);
  });
});
