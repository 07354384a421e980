/**
 * A node whose disk fills up: the local nodes' roots live on a 16 MiB tmpfs, a task nearly fills it, the node
 * turns `unusable` with the node error DiskFull and takes no task; once the file is deleted it is idle
 * again and runs the waiting task. Needs root for the mount: elsewhere the suite fails and says so
 * (CI runs as root), as the namespace and PostgreSQL suites do; it never skips.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect } from "../../client/index.js";
import { completedTask, serviceForSuite, waitFor } from "./harness.js";

describe("full disks", () => {
  const suite = serviceForSuite("diskfull", ["--heartbeat-interval-ms", "200"]);
  let nodesDir = "";

  beforeAll(() => {
    if (process.getuid?.() !== 0)
      throw new Error("this suite mounts a tmpfs, which needs root: run the tests as root (as CI does)");
    nodesDir = path.join(suite.dataDir, "nodes");
    fs.mkdirSync(nodesDir, { recursive: true });
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=16m", "tmpfs", nodesDir]);
  });

  afterAll(() => {
    // Lazily: the agents may still hold it while the suite's service stops them.
    if (nodesDir) execFileSync("umount", ["-l", nodesDir]);
  });

  it("makes a node with a full disk unusable until space is freed", async () => {
    const { client } = suite.service;
    await client.pools.add({ id: "dp", vmSize: "small", targetDedicatedNodes: 1 });
    const [node] = await waitFor("the node to be idle", async () => {
      const nodes = await collect(client.nodes.list("dp"));
      return nodes.length === 1 && nodes[0]!.state === "idle" && nodes;
    });
    await client.jobs.add({ id: "dj", poolInfo: { poolId: "dp" } });
    await client.tasks.add("dj", {
      id: "fill",
      // Leaves 64 KiB: below the threshold (1% of 16 MiB), while the agent can still write its journal.
      commandLine: `/bin/sh -c 'cd $AZ_BATCH_NODE_SHARED_DIR && free=$(df -k . | awk "NR==2 {print \\$4}") && head -c $(( (free - 64) * 1024 )) /dev/zero > fill'`,
    });
    await completedTask(client, "dj", "fill");
    const full = await waitFor("the node to be unusable", async () => {
      const current = await client.nodes.get("dp", node!.id);
      return current.state === "unusable" && current;
    });
    expect(full.errors?.map((e) => e.code)).toEqual(["DiskFull"]);
    expect(full.errors![0]!.message).toMatch(/free of .* under the node root.*delete files/);

    await client.tasks.add("dj", { id: "after", commandLine: "/bin/true" });
    // A few more heartbeats (each one updates the pool's statistics) while the disk stays full.
    const added = Date.now();
    await waitFor("more heartbeats", async () => {
      const stats = (await client.pools.get("dp", { expand: "stats" })).stats!;
      return Date.parse(stats.lastUpdateTime) > added + 600;
    });
    expect((await client.tasks.get("dj", "after")).state).toBe("active");
    expect((await client.nodes.get("dp", node!.id)).state).toBe("unusable");

    fs.rmSync(path.join(nodesDir, "dp", node!.id, "shared", "fill"));
    const after = await completedTask(client, "dj", "after");
    expect(after.nodeInfo?.nodeId).toBe(node!.id);
    const freed = await client.nodes.get("dp", node!.id);
    expect(freed.state).toBe("idle");
    expect(freed.errors ?? []).toEqual([]);
  });
});
