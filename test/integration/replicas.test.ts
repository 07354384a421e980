/**
 * Two service replicas on one PostgreSQL (docs/replicas.md), each a real `openbatch service start`
 * process, with a pool of 4 local nodes whose agents are spread over both. Killing the leader (SIGKILL)
 * in the middle of a job of 1,000 tasks hands scheduling to the other replica within 10 s (the
 * acceptance bound), and every task ends exactly once: each appends its id to a file, and only a
 * counted retry or requeue could explain a second line.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { collect } from "../../client/index.js";
import type { TaskAddParameter } from "../../protocol/rest/task.js";
import { stopService, waitFor } from "./harness.js";
import { replicaHealth, replicasForSuite } from "./replicaHarness.js";

const TASKS = 1_000;

describe("two replicas on one PostgreSQL", () => {
  const replicas = replicasForSuite("replicas");

  it("hands scheduling over within 10 s when the leader is killed mid-job, and every task ends exactly once", async () => {
    const leader = await replicas.start();
    const follower = await replicas.start();
    expect((await replicaHealth(leader.endpoint)).role).toBe("leader");
    expect(await replicaHealth(follower.endpoint)).toMatchObject({
      role: "follower",
      leader: leader.endpoint,
    });

    // Everything goes through the follower, which forwards to the leader until it leads itself.
    const client = follower.client;
    await client.pools.add({ id: "p", vmSize: "small", targetDedicatedNodes: 4, taskSlotsPerNode: 4 });
    await waitFor("4 idle nodes", async () => {
      const nodes = await collect(client.nodes.list("p"));
      return nodes.length === 4 && nodes.every((n) => n.state === "idle");
    });
    // Each agent's list of replicas is rotated by one: half of them start at the follower.
    expect((await replicaHealth(follower.endpoint)).relayedAgents).toBe(2);

    const done = path.join(replicas.dataDir, "done.txt");
    await client.jobs.add({ id: "j", poolInfo: { poolId: "p" } });
    const tasks: TaskAddParameter[] = Array.from({ length: TASKS }, (_, i) => ({
      id: `t${i}`,
      commandLine: `/bin/sh -c 'echo $AZ_BATCH_TASK_ID >> ${done}'`,
    }));
    const added = await client.tasks.addMany("j", tasks);
    expect(added.every((result) => result.status === "success")).toBe(true);
    await waitFor("a quarter of the tasks to have run", async () => lines(done).length >= TASKS / 4);

    const killedAt = Date.now();
    await stopService(leader, "SIGKILL");
    expect(lines(done).length, "the leader was killed in the middle of the job").toBeLessThan(TASKS * 0.9);
    await waitFor(
      "the follower to lead",
      async () => (await replicaHealth(follower.endpoint)).role === "leader",
    );

    await waitFor(
      "every task to complete",
      async () => (await client.jobs.getTaskCounts("j")).taskCounts.completed === TASKS,
      120_000,
    );
    const all = await collect(client.tasks.list("j"));
    expect(all).toHaveLength(TASKS);
    const runs = new Map<string, number>();
    for (const id of lines(done)) runs.set(id, (runs.get(id) ?? 0) + 1);
    let reruns = 0;
    for (const task of all) {
      const { exitCode, retryCount, requeueCount } = task.executionInfo ?? {};
      expect({ id: task.id, state: task.state, exitCode }).toEqual({
        id: task.id,
        state: "completed",
        exitCode: 0,
      });
      const ran = runs.get(task.id) ?? 0;
      const explained = 1 + (retryCount ?? 0) + (requeueCount ?? 0);
      expect(
        ran,
        `task ${task.id} ran ${ran} times, retries and requeues explain ${explained}`,
      ).toBeGreaterThanOrEqual(1);
      expect(
        ran,
        `task ${task.id} ran ${ran} times, retries and requeues explain ${explained}`,
      ).toBeLessThanOrEqual(explained);
      reruns += ran - 1;
    }

    // The handover: from the kill to the first dispatch by the new leader.
    const dispatchedAfterKill = await Promise.all(
      all
        .filter((task) => Date.parse(task.executionInfo?.startTime ?? "") >= killedAt - 1_000)
        .map(async (task) => (await client.tasks.getTimeline("j", task.id)).dispatchedAt ?? 0),
    );
    const firstDispatch = Math.min(...dispatchedAfterKill.filter((at) => at > killedAt));
    const handoverMs = firstDispatch - killedAt;
    console.log(
      `replicas: scheduling handed over ${Math.round(handoverMs)} ms after the leader was killed; ` +
        `${TASKS} tasks completed, ${reruns} re-runs (each explained by a retry or requeue)`,
    );
    expect(handoverMs).toBeLessThan(10_000);

    // REST through the surviving replica, now the leader, still works end to end.
    await client.tasks.add("j", { id: "after", commandLine: "/bin/echo after the handover" });
    await waitFor(
      "a task added after the handover",
      async () => (await client.tasks.get("j", "after")).state === "completed",
    );
    expect(await client.tasks.getFileText("j", "after", "stdout.txt")).toBe("after the handover\n");
    const nodes = await collect(client.nodes.list("p"));
    expect(nodes.map((n) => n.state)).toEqual(["idle", "idle", "idle", "idle"]);

    await client.pools.delete("p");
    await waitFor("the pool's agents to stop", async () => {
      const pools = await collect(client.pools.list());
      return pools.length === 0;
    });
  }, 240_000);
});

function lines(file: string): string[] {
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
}
