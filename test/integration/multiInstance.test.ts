/**
 * Multi-instance tasks with real MPI: the allreduce program of examples/mpi, compiled here with
 * Debian's Open MPI (mpicc) and MPICH (mpicc.mpich), runs across 2 and 4 real nodes, its daemons
 * started through `openbatch-rsh` (no ssh); terminating a run leaves no MPI process behind; two tasks
 * that together need more nodes than the pool has both run, one after the other; a failed
 * coordination command fails the whole task, naming its subtask and node.
 */
import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { collect } from "../../client/index.js";
import type { TaskAddParameter } from "../../protocol/rest/task.js";
import { completedTask, refusal, serviceForSuite, waitFor } from "./harness.js";

const source = path.resolve(import.meta.dirname, "../../examples/mpi/allreduce.c");
const example = path.resolve(import.meta.dirname, "../../examples/mpi/run.sh");
const POOL = "mpi";
const JOB = "mpijob";

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

describe("multi-instance tasks with real MPI", () => {
  const suite = serviceForSuite("mpi");
  let openMpiProgram = "";
  let mpichProgram = "";

  const mpiTask = (id: string, instances: number, commandLine: string): TaskAddParameter => ({
    id,
    commandLine,
    multiInstanceSettings: { numberOfInstances: instances, coordinationCommandLine: "" },
    // MPI hangs are bounded: the whole run is killed after this.
    constraints: { maxWallClockTime: "PT2M" },
  });

  beforeAll(async () => {
    openMpiProgram = path.join(suite.dataDir, "allreduce-openmpi");
    mpichProgram = path.join(suite.dataDir, "allreduce-mpich");
    execFileSync("mpicc", ["-O2", "-o", openMpiProgram, source]);
    execFileSync("mpicc.mpich", ["-O2", "-o", mpichProgram, source]);
    const { client } = suite.service;
    await client.pools.add({
      id: POOL,
      vmSize: "small",
      targetDedicatedNodes: 4,
      taskSlotsPerNode: 1,
      enableInterNodeCommunication: true,
    });
    await client.jobs.add({ id: JOB, poolInfo: { poolId: POOL } });
    await waitFor("4 idle nodes", async () => {
      const nodes = await collect(client.nodes.list(POOL));
      return nodes.length === 4 && nodes.every((n) => n.state === "idle");
    });
  }, 60_000);

  it("gives each node of an inter-node pool an address of its own", async () => {
    const nodes = await collect(suite.service.client.nodes.list(POOL));
    const addresses = new Set(nodes.map((n) => n.ipAddress));
    expect(addresses.size).toBe(4);
    for (const address of addresses) expect(address).toMatch(/^127\.1\.\d+\.\d+$/);
  });

  it("runs an Open MPI allreduce with plain mpirun over 2 and over 4 nodes", async () => {
    const { client } = suite.service;
    await client.tasks.add(JOB, mpiTask("ompi2", 2, `mpirun ${openMpiProgram}`));
    await client.tasks.add(JOB, mpiTask("ompi4", 4, `mpirun ${openMpiProgram}`));
    for (const [id, ranks] of [
      ["ompi2", 2],
      ["ompi4", 4],
    ] as const) {
      const task = await completedTask(client, JOB, id);
      const stdout = await client.tasks.getFileText(JOB, id, "stdout.txt");
      expect(task.executionInfo?.exitCode, stdout).toBe(0);
      expect(stdout).toContain("allreduce ok");
      const expect_ = (ranks * (ranks + 1)) / 2;
      const nodes = new Set<string>();
      for (let rank = 0; rank < ranks; rank++) {
        const line = new RegExp(`rank ${rank}/${ranks} on (\\S+): sum=${expect_} expect=${expect_} big=OK`);
        const match = line.exec(stdout);
        expect(match, stdout).not.toBeNull();
        nodes.add(match![1]!);
      }
      // Open MPI's ranks run in their node's context: each reports its own node.
      expect(nodes.size).toBe(ranks);
      const subtasks = await client.tasks.listSubtasks(JOB, id);
      expect(subtasks.map((s) => s.id)).toEqual(Array.from({ length: ranks - 1 }, (_, i) => i + 1));
      expect(subtasks.every((s) => s.state === "completed" && s.result === "success")).toBe(true);
      expect(new Set([task.nodeInfo!.nodeId, ...subtasks.map((s) => s.nodeInfo!.nodeId)]).size).toBe(ranks);
    }
  }, 120_000);

  it("runs the MPICH build with plain mpiexec.hydra over 2 and over 4 nodes", async () => {
    const { client } = suite.service;
    await client.tasks.add(JOB, mpiTask("mpich2", 2, `mpiexec.hydra ${mpichProgram}`));
    await client.tasks.add(JOB, mpiTask("mpich4", 4, `mpiexec.hydra ${mpichProgram}`));
    for (const [id, ranks] of [
      ["mpich2", 2],
      ["mpich4", 4],
    ] as const) {
      const task = await completedTask(client, JOB, id);
      const stdout = await client.tasks.getFileText(JOB, id, "stdout.txt");
      expect(task.executionInfo?.exitCode, stdout).toBe(0);
      expect(stdout).toContain("allreduce ok");
      expect(stdout).toContain(`rank ${ranks - 1}/${ranks} on`);
      // hydra hands mpiexec's environment to every rank, so the ranks cannot say where they ran;
      // the agents' logs can: every subtask's node started a hydra proxy for the task.
      for (const subtask of await client.tasks.listSubtasks(JOB, id)) {
        const log = fs.readFileSync(
          path.join(suite.dataDir, "nodes", POOL, `${subtask.nodeInfo!.nodeId}.agent.log`),
          "utf8",
        );
        expect(log).toMatch(new RegExp(`rsh: session \\S+ for task ${JOB}/${id}: .*hydra_pmi_proxy`));
      }
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
    await waitFor(
      "no process of the task left",
      async () => processesOfNodes(suite.dataDir, JOB).length === 0,
    );
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
        coordinationCommandLine: "/bin/sh -c 'test $AZ_BATCH_IS_CURRENT_NODE_MASTER = true || exit 7'",
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

  it("refuses what Azure refuses: no inter-node communication, more instances than nodes, several slots", async () => {
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
    expect(await client.tasks.listSubtasks(JOB, "ompi2")).toHaveLength(1);
  });
});
