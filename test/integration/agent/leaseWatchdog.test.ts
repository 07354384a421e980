/**
 * The lease watchdog fences for a stopped agent: with the agent SIGSTOPped (no timer of its own runs),
 * once the lease has run out the watchdog finds the task by its wrapper's status path and ends it,
 * while it leaves the node's start task alone — named to it at its dispatch. After SIGCONT the agent,
 * its lease run out as well, reports the task `TaskFenced`.
 */
import { rmSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  buildAgent,
  FakeService,
  isProcessGone,
  makeNodeRoot,
  nextDispatchId,
  startAgent,
  stopAgent,
  waitUntil,
} from "./agentHarness.js";

describe("lease watchdog", () => {
  it("ends a stopped agent's task once the lease runs out, and leaves its start task alone", async () => {
    await buildAgent();
    const service = await FakeService.start({ heartbeatIntervalMs: 200, nodeLostAfterMs: 2000 });
    const root = makeNodeRoot();
    const agent = startAgent({ url: service.url, root, joinToken: "token" });
    const run = (dispatchId: string, kind: "task" | "startTask") =>
      service.send({
        type: "dispatch",
        dispatchId,
        kind,
        jobId: kind === "task" ? "job1" : "",
        taskId: kind === "task" ? "fenced" : "",
        commandLine: "sleep 1000",
        environment: {},
        requiredSlots: 1,
      });
    try {
      await service.waitFor("register");
      const startTask = nextDispatchId();
      const task = nextDispatchId();
      run(startTask, "startTask");
      run(task, "task");
      const startTaskPid = (await service.waitFor("taskStarted", (m) => m.dispatchId === startTask)).pid;
      const taskPid = (await service.waitFor("taskStarted", (m) => m.dispatchId === task)).pid;

      // The service answers nothing more, and the agent stops once it has taken the last answer in (a
      // heartbeat after the silence began): its lease and the watchdog's then run out together.
      service.options.autoAck = false;
      await service.waitFor("heartbeat", () => true, { after: service.received.length });
      agent.child.kill("SIGSTOP");
      try {
        await waitUntil(() => isProcessGone(taskPid), { what: "the watchdog to end the task" });
        expect(isProcessGone(startTaskPid)).toBe(false);
      } finally {
        agent.child.kill("SIGCONT");
      }
      const done = await service.waitFor("taskCompleted", (m) => m.dispatchId === task);
      expect(done).toMatchObject({ failure: { code: "TaskFenced" } });
      expect(isProcessGone(startTaskPid)).toBe(false);
    } finally {
      await stopAgent(agent);
      await service.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
