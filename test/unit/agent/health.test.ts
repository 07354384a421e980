import os from "node:os";
import { describe, expect, it } from "vitest";
import { readCpuTimes, readNetworkBytes, sampleHealth } from "../../../agent/health.js";

describe("health sampling", () => {
  it("reads CPU times and network counters from /proc", async () => {
    const cpu = await readCpuTimes();
    expect(cpu.total).toBeGreaterThan(0);
    expect(cpu.busy).toBeGreaterThanOrEqual(0);
    expect(cpu.busy).toBeLessThanOrEqual(cpu.total);
    const network = await readNetworkBytes();
    expect(network.rx).toBeGreaterThanOrEqual(0);
    expect(network.tx).toBeGreaterThanOrEqual(0);
  });

  it("measures the CPU load between two samples, and memory and disk of the node", async () => {
    const first = await sampleHealth(os.tmpdir());
    expect(first.cpuPercent).toBe(0); // no previous sample to compare with
    const second = await sampleHealth(os.tmpdir(), first.cpu);
    expect(second.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(second.cpuPercent).toBeLessThanOrEqual(100);
    expect(second.memoryTotalBytes).toBe(os.totalmem());
    expect(second.memoryUsedBytes).toBeGreaterThan(0);
    expect(second.diskTotalBytes).toBeGreaterThan(second.diskUsedBytes!);
  });
});
