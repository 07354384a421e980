/**
 * Killing the service (SIGKILL) while a task runs loses nothing: after a restart every pool, job and
 * task is there, the agent reconnects by itself, and the running task's outcome is recorded once.
 * Run for each store (restart.test.ts: SQLite; postgresRestart.test.ts: PostgreSQL).
 */
import { afterAll, describe, expect, it } from "vitest";
import { collect } from "../../client/index.js";
import {
  agentPids,
  killEverything,
  makeDataDir,
  processesMentioning,
  type ServiceProcess,
  startService,
  stopService,
  waitFor,
} from "./harness.js";

/** `storeArgs`: what `service start` gets to choose the store (read when the service starts). */
export function describeServiceRestart(storeName: string, storeArgs: () => string[]): void {
  describe(`service restart (${storeName})`, () => {
    const dataDir = makeDataDir("restart");
    let service: ServiceProcess | undefined;

    afterAll(async () => {
      if (service) await stopService(service);
      killEverything(dataDir);
    });

    it("keeps every pool, job and task, and agents reconnect by themselves", async () => {
      service = await startService(dataDir, 0, undefined, storeArgs());
      const port = Number(new URL(service.endpoint).port);
      let client = service.client;
      await client.pools.add({ id: "p", vmSize: "small", targetDedicatedNodes: 1, taskSlotsPerNode: 2 });
      await client.jobs.add({ id: "j", poolInfo: { poolId: "p" }, usesTaskDependencies: true });
      await client.tasks.add("j", { id: "long", commandLine: '/bin/sh -c "sleep 2; echo finished"' });
      await client.tasks.add("j", { id: "bad", commandLine: '/bin/sh -c "exit 5"' });
      // Needs both slots: it waits for "long", so it runs after the restart.
      await client.tasks.add("j", { id: "quick", commandLine: "/bin/echo quick", requiredSlots: 2 });
      // Waits for "long" across the restart: the dependency graph is rebuilt from the store.
      await client.tasks.add("j", {
        id: "child",
        commandLine: "/bin/echo child",
        dependsOn: { taskIds: ["long"] },
      });
      await waitFor(
        "the long task to run, the others to be done",
        async () =>
          (await client.tasks.get("j", "long")).state === "running" &&
          (await client.tasks.get("j", "bad")).state === "completed",
      );

      // The node's agents: task wrappers name their status path under the node root too.
      const [node] = await collect(client.nodes.list("p"));
      const agentsOfNode = () => agentPids(`${dataDir}/nodes/p/${node!.id}`);
      await stopService(service, "SIGKILL");
      expect(agentsOfNode()).toHaveLength(1); // the agent lives on, as a VM would

      service = await startService(dataDir, port, undefined, storeArgs());
      client = service.client;
      expect((await client.pools.get("p")).targetDedicatedNodes).toBe(1);
      expect((await client.jobs.get("j")).state).toBe("active");
      const long = await waitFor("the long task to complete", async () => {
        const t = await client.tasks.get("j", "long");
        return t.state === "completed" && t;
      });
      expect(long.executionInfo).toMatchObject({
        exitCode: 0,
        retryCount: 0,
        requeueCount: 0,
        result: "success",
      });
      expect(await client.tasks.getFileText("j", "long", "stdout.txt")).toBe("finished\n");
      const child = await waitFor("the dependent task to complete", async () => {
        const t = await client.tasks.get("j", "child");
        return t.state === "completed" && t;
      });
      expect(Date.parse(child.executionInfo!.startTime!)).toBeGreaterThanOrEqual(
        Date.parse(long.executionInfo!.endTime!),
      );
      await waitFor(
        "the node to be idle again",
        async () => (await collect(client.nodes.list("p")))[0]?.state === "idle",
      );

      await client.tasks.add("j", { id: "after", commandLine: "/bin/echo after restart" });
      await waitFor(
        "a task added after the restart",
        async () => (await client.tasks.get("j", "after")).state === "completed",
      );
      const all = await collect(client.tasks.list("j"));
      expect(all.map((t) => t.id).sort()).toEqual(["after", "bad", "child", "long", "quick"]);
      // Counted again from the store at start-up, failures apart.
      const counts = await client.jobs.getTaskCounts("j");
      expect(counts.taskCounts).toEqual({ active: 0, running: 0, completed: 5, succeeded: 4, failed: 1 });
      // "quick" needs 2 slots.
      expect(counts.taskSlotCounts).toEqual({ active: 0, running: 0, completed: 6, succeeded: 5, failed: 1 });
      expect(agentsOfNode()).toHaveLength(1); // adopted, not restarted twice

      await client.pools.delete("p");
      await waitFor("the agent to stop", async () => processesMentioning(`${dataDir}/nodes`).length === 0);
    });
  });
}
