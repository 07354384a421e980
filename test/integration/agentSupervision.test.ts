/**
 * The local provisioner supervises its agents: one that dies while its node should be up is started
 * again — noticed by the child's exit, or by polling the pid of an agent adopted after a service
 * restart — but not when the provisioner stops it itself, and one that keeps dying at once makes its
 * node unusable.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { collect } from "../../client/index.js";
import type { NodeRecord, PoolRecord } from "../../service/core/records.js";
import { AGENT_KEEPS_EXITING, LocalMachines } from "../../service/provisioners/local.js";
import {
  agentPids,
  killEverything,
  makeDataDir,
  type ServiceProcess,
  startService,
  stopService,
  waitFor,
} from "./harness.js";

const agentOf = (root: string): number | undefined => agentPids(root)[0];

describe("supervision by the local provisioner, with a stand-in agent", () => {
  const dataDir = makeDataDir("supervision");
  afterAll(() => killEverything(dataDir));

  /**
   * Stands in for the agent: notes each start in `<root>/starts`, then exits 1 at once when the pool's
   * join token says `die`, or lives until SIGTERM.
   */
  const agentEntry = path.join(dataDir, "stand-in-agent.mjs");
  fs.writeFileSync(
    agentEntry,
    `import fs from "node:fs";
const root = process.argv[process.argv.indexOf("--root") + 1];
fs.appendFileSync(root + "/starts", process.pid + "\\n");
if (process.env.OPENBATCH_JOIN_TOKEN === "die") process.exit(1);
process.on("SIGTERM", () => process.exit(0));
setInterval(() => {}, 1000);
`,
  );

  function setUp(joinToken: "die" | "live") {
    const pool = { id: joinToken, state: "active", joinToken, spec: {} } as PoolRecord;
    const node = {
      poolId: pool.id,
      id: "n1",
      state: "idle",
      machine: { rootDirectory: path.join(dataDir, "nodes", pool.id, "n1") },
    } as NodeRecord;
    const lines: string[] = [];
    const failures: { code: string; message: string }[] = [];
    const machines = new LocalMachines({
      dataDir,
      agentEntry,
      serviceUrl: () => "ws://127.0.0.1:1/openbatch/agent",
      stopGraceMs: 5000,
      log: (line) => lines.push(line),
      networkIsolation: { isolation: "loopback" },
      networkOf: () => undefined,
      acceptConnection: () => {},
      saveNode: () => {},
      poolOf: (id) => (id === pool.id ? pool : undefined),
      nodeOf: (poolId, nodeId) => (poolId === pool.id && nodeId === node.id ? node : undefined),
      agentFailed: (_node, error) => failures.push(error),
      supervision: { quickExitMs: 10_000, maxQuickExits: 3, firstDelayMs: 50, maxDelayMs: 200, pollMs: 100 },
    });
    const starts = () => {
      try {
        return fs.readFileSync(path.join(node.machine.rootDirectory, "starts"), "utf8").trim().split("\n");
      } catch {
        return [];
      }
    };
    return { pool, node, machines, lines, failures, starts };
  }

  it("gives up on an agent that keeps dying at once, with an error that says so", async () => {
    const { pool, node, machines, failures, starts } = setUp("die");
    machines.provision(pool, [node]);
    const [failure] = await waitFor(
      "the provisioner to give up",
      async () => failures.length > 0 && failures,
    );
    expect(failure!.code).toBe(AGENT_KEEPS_EXITING);
    expect(failure!.message).toContain("exited 3 times in a row");
    expect(failure!.message).toContain("exit code 1");
    expect(failure!.message).toContain(`${node.machine.rootDirectory}.agent.log`);
    expect(starts()).toHaveLength(3);
    machines.close();
  });

  it("restarts a killed agent, but not one it stops itself (reboot, release)", async () => {
    const { pool, node, machines, lines, starts } = setUp("live");
    machines.provision(pool, [node]);
    await waitFor("the agent to start", async () => starts().length === 1);
    process.kill(node.machine.pid!, "SIGKILL");
    await waitFor("the agent to be started again", async () => starts().length === 2);
    expect(lines.some((line) => line.includes("died (signal SIGKILL)"))).toBe(true);
    expect(agentOf(node.machine.rootDirectory)).toBe(Number(starts()[1]));

    await machines.reboot(pool, node);
    await waitFor("the rebooted agent to start", async () => starts().length === 3);
    await machines.release(node);
    expect(fs.existsSync(node.machine.rootDirectory)).toBe(false);
    // The one death it did not cause, and no restart after its own stops.
    expect(lines.filter((line) => line.includes("died"))).toHaveLength(1);
    expect(agentOf(node.machine.rootDirectory)).toBeUndefined();
    machines.close();
  });
});

describe("supervision in the service", () => {
  const dataDir = makeDataDir("supervision-service");
  let service: ServiceProcess | undefined;
  afterAll(async () => {
    if (service) await stopService(service);
    killEverything(dataDir);
  });

  it("brings a killed agent back, also one adopted after a service restart, and its node returns to work", async () => {
    service = await startService(dataDir);
    const port = Number(new URL(service.endpoint).port);
    let client = service.client;
    await client.pools.add({ id: "p", vmSize: "small", targetDedicatedNodes: 1 });
    await client.jobs.add({ id: "j", poolInfo: { poolId: "p" } });
    const [node] = await waitFor("the node to be idle", async () => {
      const nodes = await collect(client.nodes.list("p"));
      return nodes[0]?.state === "idle" && nodes;
    });
    const root = path.join(dataDir, "nodes/p", node!.id!);
    const first = agentOf(root)!;

    // Started by this service: noticed by the child's exit.
    process.kill(first, "SIGKILL");
    const second = await waitFor("a new agent", async () => {
      const pid = agentOf(root);
      return pid !== undefined && pid !== first && pid;
    });
    await client.tasks.add("j", { id: "t1", commandLine: "/bin/echo one" });
    await waitFor("a task on the restarted agent", async () => {
      return (await client.tasks.get("j", "t1")).state === "completed";
    });

    // Adopted after a service restart: noticed by polling its pid.
    await stopService(service, "SIGKILL");
    service = await startService(dataDir, port);
    client = service.client;
    await waitFor("the node to be idle again", async () => {
      return (await client.nodes.get("p", node!.id!)).state === "idle";
    });
    expect(agentOf(root)).toBe(second);
    process.kill(second, "SIGKILL");
    await waitFor("a new agent after the adopted one died", async () => {
      const pid = agentOf(root);
      return pid !== undefined && pid !== second;
    });
    await client.tasks.add("j", { id: "t2", commandLine: "/bin/echo two" });
    await waitFor("a task on the agent started again", async () => {
      return (await client.tasks.get("j", "t2")).state === "completed";
    });
    expect(service.output()).toContain("died (gone); starting it again");
    expect(agentPids(root)).toHaveLength(1);
  });
});
