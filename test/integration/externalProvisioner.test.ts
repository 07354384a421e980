/**
 * "Bring your own machines": the service started with `--provisioner external` lists a pool's nodes in
 * `<dataDir>/external/<pool>.json` and starts nothing; one real agent started here from that file
 * registers for its node, runs a task, and is told to shut down when the pool is deleted.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatchRequestError, collect } from "../../client/index.js";
import type { ExternalPoolFile } from "../../protocol/externalPool.js";
import {
  killEverything,
  makeDataDir,
  processesMentioning,
  type ServiceProcess,
  startService,
  stopService,
  waitFor,
} from "./harness.js";

const agentEntry = path.resolve(import.meta.dirname, "../../dist/agent/main.js");

describe("the external provisioner", () => {
  const dataDir = makeDataDir("external");
  const agentRoot = path.join(dataDir, "my-machine");
  let service: ServiceProcess;
  let agent: ChildProcess | undefined;
  let agentOutput = "";

  beforeAll(async () => {
    service = await startService(dataDir, 0, undefined, ["--provisioner", "external"]);
  });
  afterAll(async () => {
    if (agent?.pid && agent.exitCode === null && agent.signalCode === null)
      process.kill(agent.pid, "SIGKILL");
    if (service) await stopService(service);
    killEverything(dataDir);
  });

  it("lists the nodes for agents started elsewhere and runs tasks on them", async () => {
    const { client } = service;
    await client.pools.add({ id: "byo", vmSize: "standard_d2s_v3", targetDedicatedNodes: 1 });
    const file = path.join(dataDir, "external", "byo.json");
    const listed = JSON.parse(fs.readFileSync(file, "utf8")) as ExternalPoolFile;
    expect(listed.serviceUrl).toBe(`${service.endpoint.replace(/^http/, "ws")}/openbatch/agent`);
    expect(listed.poolId).toBe("byo");
    expect(listed.joinToken).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(listed.nodes).toEqual([{ nodeId: expect.stringMatching(/^tvmps_/), isDedicated: true }]);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const nodeId = listed.nodes[0]!.nodeId;
    // Nothing was started for it: the node waits for its agent.
    expect((await client.nodes.get("byo", nodeId)).state).toBe("starting");
    expect(processesMentioning(path.join(dataDir, "external"))).toEqual([]);

    agent = spawn(
      process.execPath,
      [
        agentEntry,
        "--service-url",
        listed.serviceUrl,
        "--pool-id",
        listed.poolId,
        "--node-id",
        nodeId,
        "--root",
        agentRoot,
        "--ip-address",
        "127.0.0.1",
      ],
      { env: { ...process.env, OPENBATCH_JOIN_TOKEN: listed.joinToken }, stdio: ["ignore", "pipe", "pipe"] },
    );
    for (const stream of [agent.stdout!, agent.stderr!]) {
      stream.on("data", (d) => {
        agentOutput += d.toString();
      });
    }
    await waitFor(
      "the node to be idle",
      async () => (await client.nodes.get("byo", nodeId)).state === "idle",
    );

    await client.jobs.add({ id: "byojob", poolInfo: { poolId: "byo" } });
    await client.tasks.add("byojob", {
      id: "hello",
      commandLine: '/bin/sh -c "echo hello from $AZ_BATCH_NODE_ID"',
    });
    const task = await waitFor("the task to complete", async () => {
      const t = await client.tasks.get("byojob", "hello");
      return t.state === "completed" && t;
    });
    expect(task.executionInfo?.exitCode).toBe(0);
    expect(task.nodeInfo?.nodeId).toBe(nodeId);
    expect(await client.tasks.getFileText("byojob", "hello", "stdout.txt")).toBe(`hello from ${nodeId}\n`);

    await client.jobs.delete("byojob");
    await client.pools.delete("byo");
    await waitFor("the pool to be gone", async () => {
      try {
        await client.pools.get("byo");
        return false;
      } catch (error) {
        return error instanceof BatchRequestError && error.code === "PoolNotFound";
      }
    });
    // The service told the agent to shut down; it exits by itself, with status 0.
    const exit = await waitFor(
      "the agent to exit",
      async () => agent!.exitCode !== null && { code: agent!.exitCode },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\nagent output:\n${agentOutput}`);
    });
    expect(exit.code).toBe(0);
    expect(fs.existsSync(file)).toBe(false);
    expect(await collect(client.pools.list())).toEqual([]);
    expect(processesMentioning(agentRoot)).toEqual([]);
  });
});
