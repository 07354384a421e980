import { closeSync, existsSync, fsyncSync, openSync, rmSync, writeSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readCpuTimes, readDiskCounters, readNetworkBytes, sampleHealth } from "../../../agent/health.js";

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

  it("counts the disks' reads and writes from /proc/diskstats, and the free space and CPUs", async () => {
    const sample = await sampleHealth(os.tmpdir());
    expect(sample.diskAvailableBytes).toBeGreaterThan(0);
    expect(sample.diskAvailableBytes).toBeLessThanOrEqual(sample.diskTotalBytes);
    expect(sample.cpuCount).toBe(os.availableParallelism());
    const before = await readDiskCounters();
    // A synced write in the working tree (on a real disk, unlike a tmpfs /tmp may be).
    const file = path.join(import.meta.dirname, ".disk-counter-probe");
    const fd = openSync(file, "w");
    try {
      writeSync(fd, Buffer.alloc(4 * 1024 * 1024, 1));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
      rmSync(file);
    }
    const after = await readDiskCounters();
    if (!existsSync("/proc/diskstats")) {
      // Sandboxes such as gVisor have no block-device statistics: the counters stay at zero.
      expect(after).toEqual({ readBytes: 0, writeBytes: 0, readOps: 0, writeOps: 0 });
      return;
    }
    expect(after.writeOps).toBeGreaterThan(before.writeOps);
    expect(after.writeBytes - before.writeBytes).toBeGreaterThanOrEqual(4 * 1024 * 1024);
    expect(after.readBytes).toBeGreaterThanOrEqual(before.readBytes);
  });
});
