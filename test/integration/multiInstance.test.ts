/**
 * Multi-instance tasks with real MPI: the allreduce program of examples/mpi, compiled here with
 * Debian's Open MPI (mpicc) and MPICH (mpicc.mpich), runs across 2 and 4 real nodes, its daemons
 * started through `openbatch-rsh` (no ssh). The nodes are separate hosts: each in a network
 * namespace of its own on the pool's own network (the main suite runs the service with
 * `--network-isolation namespaces`, so it fails where the host cannot give them), and the MPI traffic
 * is checked to cross the nodes' veths; a second suite runs on loopback addresses, as on a host
 * without namespaces. Terminating a run leaves no MPI process behind; two tasks that together need
 * more nodes than the pool has both run, one after the other; a failed coordination command fails the
 * whole task, naming its subtask and node.
 */
import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type BatchClient, collect } from "../../client/index.js";
import type { TaskAddParameter } from "../../protocol/rest/task.js";
import { ownedNamePrefixes } from "../../service/provisioners/namespaceNetworks.js";
import {
  agentPids,
  completedTask,
  refusal,
  restartableService,
  serviceForSuite,
  waitFor,
} from "./harness.js";
import { ownedLinks, ownedNamespaces } from "./networkProbe.js";

const source = path.resolve(import.meta.dirname, "../../examples/mpi/allreduce.c");
const example = path.resolve(import.meta.dirname, "../../examples/mpi/run.sh");
const POOL = "mpi";
const JOB = "mpijob";
/** The program's big allreduce: 1 Mi doubles from every rank. */
const BIG_BYTES = 8 * 2 ** 20;

/** Pids of live processes started for this suite's nodes: their environment names its data directory. */
function processesOfNodes(dataDir: string, jobId: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = fs.readFileSync(`/proc/${entry}/environ`, "utf8");
      if (environ.includes(dataDir) && environ.includes(`AZ_BATCH_JOB_ID=${jobId}\0`))
        pids.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

/** Waits until no process of the job is left on any node. */
function noProcessOfTheJobLeft(dataDir: string): Promise<boolean> {
  return waitFor("no process of the task left", async () => processesOfNodes(dataDir, JOB).length === 0);
}

/** A coordination command that succeeds at once on the primary and runs `command` on every subtask. */
function onSubtasks(command: string): string {
  return `/bin/sh -c 'test $AZ_BATCH_IS_CURRENT_NODE_MASTER = true || ${command}'`;
}

/** Bytes the nodes' namespaces have sent into the bridge: the host ends of their veths. */
function bytesSentByNodes(dataDir: string): number {
  const { namespace } = ownedNamePrefixes(dataDir);
  return ownedLinks(dataDir)
    .filter((link) => link.startsWith(namespace))
    .reduce(
      (sum, link) => sum + Number(fs.readFileSync(`/sys/class/net/${link}/statistics/rx_bytes`, "utf8")),
      0,
    );
}

const mpiTask = (id: string, instances: number, commandLine: string): TaskAddParameter => ({
  id,
  commandLine,
  multiInstanceSettings: { numberOfInstances: instances, coordinationCommandLine: "" },
  // MPI hangs are bounded: the whole run is killed after this.
  constraints: { maxWallClockTime: "PT2M" },
});

/** Compiles the program with both MPI libraries into `dir`. */
function compile(dir: string): { openMpi: string; mpich: string } {
  const openMpi = path.join(dir, "allreduce-openmpi");
  const mpich = path.join(dir, "allreduce-mpich");
  execFileSync("mpicc", ["-O2", "-o", openMpi, source]);
  execFileSync("mpicc.mpich", ["-O2", "-o", mpich, source]);
  return { openMpi, mpich };
}

/** An inter-node pool of `nodes` one-slot nodes and a job on it, once its nodes are idle. */
async function interNodePool(client: BatchClient, nodes: number): Promise<void> {
  await client.pools.add({
    id: POOL,
    vmSize: "small",
    targetDedicatedNodes: nodes,
    taskSlotsPerNode: 1,
    enableInterNodeCommunication: true,
  });
  await client.jobs.add({ id: JOB, poolInfo: { poolId: POOL } });
  await waitFor(`${nodes} idle nodes`, async () => {
    const listed = await collect(client.nodes.list(POOL));
    return listed.length === nodes && listed.every((n) => n.state === "idle");
  });
}

/**
 * The task succeeded and every rank printed the right sums; returns the node each rank said it ran on
 * (Open MPI's ranks say their node; hydra hands mpiexec's environment to every rank, so MPICH's
 * cannot tell).
 */
async function expectAllreduce(client: BatchClient, id: string, ranks: number): Promise<Set<string>> {
  const task = await completedTask(client, JOB, id);
  const stdout = await client.tasks.getFileText(JOB, id, "stdout.txt");
  expect(task.executionInfo?.exitCode, stdout).toBe(0);
  expect(stdout).toContain("allreduce ok");
  const sum = (ranks * (ranks + 1)) / 2;
  const nodes = new Set<string>();
  for (let rank = 0; rank < ranks; rank++) {
    const line = new RegExp(`rank ${rank}/${ranks} on (\\S+): sum=${sum} expect=${sum} big=OK`);
    const match = line.exec(stdout);
    expect(match, stdout).not.toBeNull();
    nodes.add(match![1]!);
  }
  const subtasks = await client.tasks.listSubtasks(JOB, id);
  expect(subtasks.map((s) => s.id)).toEqual(Array.from({ length: ranks - 1 }, (_, i) => i + 1));
  expect(subtasks.every((s) => s.state === "completed" && s.result === "success")).toBe(true);
  expect(new Set([task.nodeInfo!.nodeId, ...subtasks.map((s) => s.nodeInfo!.nodeId)]).size).toBe(ranks);
  return nodes;
}

/** Every subtask's node started a hydra proxy for the task (its agent's log says so). */
function expectHydraProxies(dataDir: string, id: string, subtaskNodes: string[]): void {
  for (const nodeId of subtaskNodes) {
    const log = fs.readFileSync(path.join(dataDir, "nodes", POOL, `${nodeId}.agent.log`), "utf8");
    expect(log).toMatch(new RegExp(`rsh: session \\S+ for task ${JOB}/${id}: .*hydra_pmi_proxy`));
  }
}

describe("multi-instance tasks with real MPI, nodes in network namespaces", () => {
  const suite = serviceForSuite("mpi", ["--network-isolation", "namespaces"]);
  let openMpiProgram = "";
  let mpichProgram = "";

  beforeAll(async () => {
    ({ openMpi: openMpiProgram, mpich: mpichProgram } = compile(suite.dataDir));
    await interNodePool(suite.service.client, 4);
  }, 60_000);

  it("puts each node of an inter-node pool in a namespace of its own, on the pool's own network", async () => {
    const nodes = await collect(suite.service.client.nodes.list(POOL));
    const addresses = new Set(nodes.map((n) => n.ipAddress));
    expect(addresses.size).toBe(4);
    for (const address of addresses) expect(address).toMatch(/^100\.64\.0\.\d+$/);
    expect(ownedNamespaces(suite.dataDir)).toHaveLength(4);
  });

  it("runs an Open MPI allreduce with plain mpirun over 2 and over 4 nodes, across the network", async () => {
    const { client } = suite.service;
    const sentBefore = bytesSentByNodes(suite.dataDir);
    await client.tasks.add(JOB, mpiTask("ompi2", 2, `mpirun ${openMpiProgram}`));
    await client.tasks.add(JOB, mpiTask("ompi4", 4, `mpirun ${openMpiProgram}`));
    // Open MPI's ranks run in their node's context: each reports its own node.
    expect((await expectAllreduce(client, "ompi2", 2)).size).toBe(2);
    expect((await expectAllreduce(client, "ompi4", 4)).size).toBe(4);
    // Each rank's share of the big allreduce left its namespace through its veth.
    expect(bytesSentByNodes(suite.dataDir) - sentBefore).toBeGreaterThan(2 * BIG_BYTES);
  }, 120_000);

  it("runs the MPICH build with plain mpiexec.hydra over 2 and over 4 nodes", async () => {
    const { client } = suite.service;
    await client.tasks.add(JOB, mpiTask("mpich2", 2, `mpiexec.hydra ${mpichProgram}`));
    await client.tasks.add(JOB, mpiTask("mpich4", 4, `mpiexec.hydra ${mpichProgram}`));
    for (const [id, ranks] of [
      ["mpich2", 2],
      ["mpich4", 4],
    ] as const) {
      await expectAllreduce(client, id, ranks);
      const subtasks = await client.tasks.listSubtasks(JOB, id);
      expectHydraProxies(
        suite.dataDir,
        id,
        subtasks.map((s) => s.nodeInfo!.nodeId),
      );
    }
  }, 120_000);

  it("terminating a running multi-instance task leaves no MPI process on any node", async () => {
    const { client } = suite.service;
    await client.tasks.add(JOB, mpiTask("long", 3, "mpirun /bin/sleep 600"));
    // mpirun, then an orted and a rank on each of the 3 nodes.
    await waitFor(
      "3 ranks sleeping",
      async () =>
        processesOfNodes(suite.dataDir, JOB).filter((pid) =>
          fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith("/bin/sleep"),
        ).length === 3,
    );
    await client.tasks.terminate(JOB, "long");
    const task = await completedTask(client, JOB, "long");
    expect(task.executionInfo?.failureInfo?.code).toBe("TaskEnded");
    await waitFor("every subtask completed", async () =>
      (await client.tasks.listSubtasks(JOB, "long")).every((s) => s.state === "completed"),
    );
    await noProcessOfTheJobLeft(suite.dataDir);
  }, 60_000);

  it("runs two tasks that together need more nodes than the pool has, one after the other", async () => {
    const { client } = suite.service;
    await client.tasks.add(JOB, mpiTask("gang1", 3, `mpirun ${openMpiProgram}`));
    await client.tasks.add(JOB, mpiTask("gang2", 3, `mpirun ${openMpiProgram}`));
    const first = await completedTask(client, JOB, "gang1");
    const second = await completedTask(client, JOB, "gang2");
    for (const task of [first, second]) expect(task.executionInfo?.result).toBe("success");
    expect(Date.parse(second.executionInfo!.startTime!)).toBeGreaterThanOrEqual(
      Date.parse(first.executionInfo!.endTime!) - 1000,
    );
  }, 120_000);

  it("fails the whole task when a subtask's coordination command fails, naming it, and retries it", async () => {
    const { client } = suite.service;
    await client.tasks.add(JOB, {
      id: "badcoord",
      commandLine: "/bin/true",
      multiInstanceSettings: {
        numberOfInstances: 2,
        coordinationCommandLine: onSubtasks("exit 7"),
      },
      constraints: { maxTaskRetryCount: 1 },
    });
    const task = await completedTask(client, JOB, "badcoord");
    const failure = task.executionInfo?.failureInfo;
    expect(task.executionInfo?.result).toBe("failure");
    expect(task.executionInfo?.retryCount).toBe(1);
    expect(task.executionInfo?.exitCode).toBe(7);
    expect(failure?.code).toBe("CoordinationCommandFailed");
    const [subtask] = await client.tasks.listSubtasks(JOB, "badcoord");
    expect(failure?.message).toContain(`Subtask 1 on node ${subtask!.nodeInfo!.nodeId}`);
    expect(subtask!.exitCode).toBe(7);
  }, 60_000);

  it("fails the whole task when a rank fails, and says so", async () => {
    const { client } = suite.service;
    // Rank 1 (on the first subtask's node) exits 3; mpirun then ends the job and exits non-zero.
    await client.tasks.add(
      JOB,
      mpiTask("badrank", 2, "mpirun /bin/sh -c 'exit $((OMPI_COMM_WORLD_RANK * 3))'"),
    );
    const task = await completedTask(client, JOB, "badrank");
    const failure = task.executionInfo?.failureInfo;
    expect(task.executionInfo?.result).toBe("failure");
    expect(failure?.code).toBe("FailureExitCode");
    expect(failure?.message).toContain(`on node ${task.nodeInfo!.nodeId}`);
    const stderr = await client.tasks.getFileText(JOB, "badrank", "stderr.txt");
    expect(stderr).toMatch(/rank 1|non-zero exit code/);
    await noProcessOfTheJobLeft(suite.dataDir);
  }, 60_000);

  it("fails the whole task when a subtask's node is lost, naming the subtask and its node", async () => {
    const { client } = suite.service;
    await client.tasks.add(JOB, {
      ...mpiTask("lost", 2, "/bin/sleep 600"),
      constraints: { maxTaskRetryCount: 0 },
    });
    const [subtask] = await waitFor("the subtask running", async () => {
      const subtasks = await client.tasks.listSubtasks(JOB, "lost");
      return subtasks[0]?.state === "running" && subtasks;
    });
    const nodeId = subtask!.nodeInfo!.nodeId!;
    const [agent] = agentPids(path.join(suite.dataDir, "nodes", POOL, nodeId));
    process.kill(agent!, "SIGKILL");
    const task = await completedTask(client, JOB, "lost");
    expect(task.executionInfo?.failureInfo?.code).toBe("SubtaskNodeLost");
    expect(task.executionInfo?.failureInfo?.message).toContain(`Subtask 1 on node ${nodeId}`);
    await noProcessOfTheJobLeft(suite.dataDir);
    // Supervision brings the agent back and the node serves again.
    await waitFor("the node idle again", async () => (await client.nodes.get(POOL, nodeId)).state === "idle");
  }, 60_000);

  it("bounds the whole run by maxWallClockTime, a hung coordination command included", async () => {
    const { client } = suite.service;
    await client.tasks.add(JOB, {
      id: "hung",
      commandLine: "/bin/true",
      multiInstanceSettings: {
        numberOfInstances: 2,
        coordinationCommandLine: onSubtasks("exec sleep 600"),
      },
      constraints: { maxWallClockTime: "PT2S", maxTaskRetryCount: 0 },
    });
    const task = await completedTask(client, JOB, "hung");
    expect(task.executionInfo?.failureInfo?.code).toBe("MaxWallClockTimeExceeded");
    expect(task.executionInfo?.failureInfo?.message).toContain(
      `The primary (subtask 0) on node ${task.nodeInfo!.nodeId}`,
    );
    await noProcessOfTheJobLeft(suite.dataDir);
  }, 60_000);

  it("runs the job's preparation task on every node before the instances", async () => {
    const { client } = suite.service;
    await client.jobs.add({
      id: "prepjob",
      poolInfo: { poolId: POOL },
      jobPreparationTask: {
        commandLine: "/bin/sh -c 'echo $AZ_BATCH_NODE_ID > $AZ_BATCH_NODE_SHARED_DIR/prepared'",
      },
    });
    await client.tasks.add("prepjob", {
      id: "afterprep",
      commandLine: "/bin/true",
      // Every instance checks that its node was prepared before it started.
      multiInstanceSettings: {
        numberOfInstances: 3,
        coordinationCommandLine:
          "/bin/sh -c 'test \"$(cat $AZ_BATCH_NODE_SHARED_DIR/prepared)\" = $AZ_BATCH_NODE_ID'",
      },
    });
    const task = await completedTask(client, "prepjob", "afterprep");
    expect(task.executionInfo?.result, JSON.stringify(task.executionInfo)).toBe("success");
    const subtasks = await client.tasks.listSubtasks("prepjob", "afterprep");
    const nodes = [task.nodeInfo!.nodeId, ...subtasks.map((s) => s.nodeInfo!.nodeId)];
    const statuses = await client.jobs.listPreparationAndReleaseTaskStatus("prepjob");
    for (const nodeId of nodes) {
      const status = statuses.find((s) => s.nodeId === nodeId);
      expect(status?.jobPreparationTaskExecutionInfo?.result).toBe("success");
    }
  }, 60_000);

  it("examples/mpi/run.sh runs the program through the CLI", async () => {
    const { service } = suite;
    const output = await new Promise<string>((resolve, reject) =>
      execFile(
        example,
        {
          env: {
            ...process.env,
            OPENBATCH_ENDPOINT: service.endpoint,
            OPENBATCH_ACCOUNT_NAME: service.accountName,
            OPENBATCH_ACCOUNT_KEY: service.accountKey,
            NODES: "2",
            POOL,
          },
          timeout: 90_000,
        },
        (error, stdout, stderr) =>
          error
            ? reject(
                new Error(`${error.message}
${stderr}`),
              )
            : resolve(stdout),
      ),
    );
    expect(output).toContain("1 succeeded, 0 failed");
    expect(output).toMatch(/rank 1\/2 on tvmps_\d+_d: sum=3 expect=3 big=OK/);
    expect(output).toContain("allreduce ok");
  }, 120_000);

  it("refuses what Azure refuses: no inter-node communication, more instances than nodes, several slots, shared nodes", async () => {
    const { client } = suite.service;
    await client.pools.add({ id: "plain", vmSize: "small", targetDedicatedNodes: 0 });
    await client.jobs.add({ id: "plainjob", poolInfo: { poolId: "plain" } });
    const noInterNode = await refusal(client.tasks.add("plainjob", mpiTask("x", 2, "/bin/true")));
    expect(noInterNode.code).toBe("InvalidPropertyValue");
    expect(noInterNode.message).toContain("enableInterNodeCommunication");
    const tooMany = await refusal(client.tasks.add(JOB, mpiTask("x", 5, "/bin/true")));
    expect(tooMany.code).toBe("InvalidPropertyValue");
    expect(tooMany.message).toContain("at most 4 nodes");
    const slots = await refusal(client.tasks.add(JOB, { ...mpiTask("x", 2, "/bin/true"), requiredSlots: 2 }));
    expect(slots.code).toBe("InvalidPropertyValue");
    await client.pools.add({
      id: "shared",
      vmSize: "small",
      targetDedicatedNodes: 0,
      taskSlotsPerNode: 2,
      enableInterNodeCommunication: true,
    });
    await client.jobs.add({ id: "sharedjob", poolInfo: { poolId: "shared" } });
    const concurrent = await refusal(client.tasks.add("sharedjob", mpiTask("x", 1, "/bin/true")));
    expect(concurrent.message).toContain("taskSlotsPerNode 1");
  });
});

describe("multi-instance tasks with real MPI, nodes on loopback addresses", () => {
  const suite = serviceForSuite("mpi-loopback", ["--network-isolation", "loopback"]);
  let programs = { openMpi: "", mpich: "" };

  beforeAll(async () => {
    programs = compile(suite.dataDir);
    await interNodePool(suite.service.client, 2);
  }, 60_000);

  it("gives each node an address of its own on loopback and runs Open MPI and MPICH across them", async () => {
    const { client } = suite.service;
    const nodes = await collect(client.nodes.list(POOL));
    const addresses = new Set(nodes.map((n) => n.ipAddress));
    expect(addresses.size).toBe(2);
    for (const address of addresses) expect(address).toMatch(/^127\.1\.\d+\.\d+$/);
    expect(ownedNamespaces(suite.dataDir)).toEqual([]);
    await client.tasks.add(JOB, mpiTask("ompi", 2, `mpirun ${programs.openMpi}`));
    await client.tasks.add(JOB, mpiTask("mpich", 2, `mpiexec.hydra ${programs.mpich}`));
    expect((await expectAllreduce(client, "ompi", 2)).size).toBe(2);
    await expectAllreduce(client, "mpich", 2);
    const [subtask] = await client.tasks.listSubtasks(JOB, "mpich");
    expectHydraProxies(suite.dataDir, "mpich", [subtask!.nodeInfo!.nodeId]);
  }, 120_000);
});

describe("a multi-instance task across a service restart", () => {
  const suite = restartableService("mpi-restart", ["--network-isolation", "loopback"]);

  it("completes when the service was killed while an instance still coordinated", async () => {
    await interNodePool((await suite.start()).client, 2);
    const go = path.join(suite.dataDir, "go");
    await suite.service.client.tasks.add(JOB, {
      id: "restart",
      commandLine: "/bin/true",
      // The primary coordinates at once; the subtask only once the test says so.
      multiInstanceSettings: {
        numberOfInstances: 2,
        coordinationCommandLine: onSubtasks(`while [ ! -e ${go} ]; do sleep 0.05; done`),
      },
      constraints: { maxWallClockTime: "PT2M", maxTaskRetryCount: 0 },
    });
    await waitFor("both instances started", async () => {
      const subtasks = await suite.service.client.tasks.listSubtasks(JOB, "restart");
      return subtasks[0]?.state === "running";
    });
    // The new service knows nothing of the primary's coordination but what its agent says again.
    await suite.kill();
    const { client } = await suite.start();
    fs.writeFileSync(go, "");
    const task = await completedTask(client, JOB, "restart");
    expect(task.executionInfo?.result, JSON.stringify(task.executionInfo)).toBe("success");
    expect(task.executionInfo?.retryCount).toBe(0);
  }, 90_000);
});
