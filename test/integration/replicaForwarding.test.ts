/**
 * What a follower replica does for the leader (docs/replicas.md), with real `openbatch service start`
 * processes on a throwaway PostgreSQL: while no replica holds the lease it answers REST with
 * `ServerBusy` (503, Retry-After) and says so in its health; it forwards REST requests to the leader
 * unchanged (signatures, error bodies, large bodies) and relays agent WebSockets to it, so tasks run on
 * nodes whose agents reach the leader only through the follower.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { BatchClient, collect } from "../../client/index.js";
import { LEASE_LOCK_CLASS } from "../../service/replicas/leaderLease.js";
import { freePort } from "../postgresCluster.js";
import { type ServiceProcess, stopService, waitFor } from "./harness.js";
import { replicaHealth, replicasForSuite } from "./replicaHarness.js";

describe("a follower replica", () => {
  const replicas = replicasForSuite("replica-forwarding");
  const { dataDir, accountKey } = replicas;
  let leader: ServiceProcess;
  let follower: ServiceProcess;

  it("answers ServerBusy while no replica holds the lease, and leads once it gets it", async () => {
    // Someone else holds the lease: the replica listens, but can neither lead nor forward.
    const holder = new pg.Client({ connectionString: replicas.storeUrl });
    await holder.connect();
    await holder.query("SELECT pg_advisory_lock($1, hashtext($2))", [LEASE_LOCK_CLASS, "openbatch"]);
    const port = await freePort();
    const starting = replicas.start(port);
    const endpoint = `http://127.0.0.1:${port}`;
    await waitFor("the replica to answer without a leader", async () => {
      const health = await replicaHealth(endpoint);
      return health.role === "follower" && health.leader === null;
    });
    const response = await fetch(`${endpoint}/pools?api-version=2022-10-01.16.0`);
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    const body = (await response.json()) as { code: string; message: { value: string } };
    expect(body.code).toBe("ServerBusy");
    expect(body.message.value).toMatch(/No replica of this account holds the scheduling lease/);
    const client = new BatchClient({ endpoint, accountName: "testacct", accountKey });
    await expect(client.pools.get("nothing")).rejects.toMatchObject({ code: "ServerBusy", status: 503 });

    await holder.end();
    leader = await starting;
    expect(await replicaHealth(endpoint)).toMatchObject({ role: "leader", leader: endpoint });
  });

  it("forwards REST requests to the leader as they came, and the leader's answers as they are", async () => {
    follower = await replicas.start();
    expect(await replicaHealth(follower.endpoint)).toMatchObject({
      role: "follower",
      leader: leader.endpoint,
    });
    const client = follower.client;

    // Azure's errors come back with their status and body.
    await expect(client.pools.get("missing")).rejects.toMatchObject({ code: "PoolNotFound", status: 404 });
    const wrongKey = new BatchClient({
      endpoint: follower.endpoint,
      accountName: "testacct",
      accountKey: randomBytes(32).toString("base64"),
    });
    await expect(wrongKey.pools.list().next()).rejects.toMatchObject({
      code: "AuthenticationFailed",
      status: 403,
    });

    // A large body goes through whole: 100 tasks with long command lines in one addtaskcollection.
    await client.jobs.add({ id: "big", poolInfo: { poolId: "nowhere" } });
    const padding = "x".repeat(8_000);
    const { value } = await client.tasks.addCollection(
      "big",
      Array.from({ length: 100 }, (_, i) => ({ id: `t${i}`, commandLine: `/bin/echo ${padding}` })),
    );
    expect(value.filter((result) => result.status === "success")).toHaveLength(100);
    const stored = await client.tasks.get("big", "t99");
    expect(stored.commandLine).toBe(`/bin/echo ${padding}`);
    // What one replica wrote, the other reads: they are the same account.
    expect((await leader.client.tasks.get("big", "t42")).id).toBe("t42");
    await client.jobs.delete("big");
  });

  it("relays agents to the leader, so tasks run on nodes that reach it only through the follower", async () => {
    const client = follower.client;
    await client.pools.add({ id: "p", vmSize: "small", targetDedicatedNodes: 2, taskSlotsPerNode: 1 });
    const nodes = await waitFor("2 idle nodes", async () => {
      const listed = await collect(client.nodes.list("p"));
      return listed.length === 2 && listed.every((n) => n.state === "idle") && listed;
    });
    // The leader rotates each agent's list of replicas: one of the two starts at the follower.
    expect((await replicaHealth(follower.endpoint)).relayedAgents).toBe(1);

    await client.jobs.add({ id: "j", poolInfo: { poolId: "p" } });
    // Two tasks that wait for each other, on nodes of one slot: they must run at once, one per node.
    const barrier = path.join(dataDir, "barrier");
    fs.mkdirSync(barrier);
    const meet = `touch ${barrier}/$AZ_BATCH_TASK_ID; while [ $(ls ${barrier} | wc -l) -lt 2 ]; do sleep 0.05; done`;
    for (const id of ["a", "b"]) {
      await client.tasks.add("j", { id, commandLine: `/bin/sh -c '${meet}; echo ran on $AZ_BATCH_NODE_ID'` });
    }
    const ranOn = new Set<string>();
    for (const id of ["a", "b"]) {
      const task = await waitFor(`task ${id}`, async () => {
        const t = await client.tasks.get("j", id);
        return t.state === "completed" && t;
      });
      expect(task.executionInfo?.exitCode).toBe(0);
      ranOn.add(task.nodeInfo!.nodeId!);
      // Files come from the node through its agent's session, relayed or not.
      expect(await client.tasks.getFileText("j", id, "stdout.txt")).toBe(`ran on ${task.nodeInfo?.nodeId}\n`);
    }
    expect([...ranOn].sort()).toEqual(nodes.map((n) => n.id).sort());

    // The follower goes away: its agent moves on to the leader by itself.
    await stopService(follower);
    await waitFor("both nodes idle, connected to the leader", async () => {
      const listed = await collect(leader.client.nodes.list("p"));
      return listed.length === 2 && listed.every((n) => n.state === "idle");
    });
    await leader.client.tasks.add("j", { id: "after", commandLine: "/bin/echo after" });
    await waitFor("a task after the follower left", async () => {
      return (await leader.client.tasks.get("j", "after")).state === "completed";
    });
    await leader.client.pools.delete("p");
  });
});
