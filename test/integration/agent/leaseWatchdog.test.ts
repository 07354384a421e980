/**
 * The lease watchdog fences for a stopped agent: with the agent SIGSTOPped (no timer of its own runs),
 * once the lease has run out the watchdog finds the task by its wrapper's status path and ends it,
 * while it leaves the node's start task alone — named to it at its dispatch. After SIGCONT the agent,
 * its lease run out as well, reports the task `TaskFenced`.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AgentProcess,
  buildAgent,
  FakeService,
  isProcessGone,
  makeNodeRoot,
  nextDispatchId,
  startAgent,
  stopAgent,
  waitUntil,
} from "./agentHarness.js";

let service: FakeService;
let agent: AgentProcess;
let root: string;

beforeAll(async () => {
  await buildAgent();
  service = await FakeService.start({ heartbeatIntervalMs: 200, nodeLostAfterMs: 2000 });
  root = makeNodeRoot();
  agent = startAgent({ url: service.url, root, joinToken: "token" });
  await service.waitFor("register");
});

afterAll(async () => {
  if (agent) {
    agent.child.kill("SIGCONT");
    await stopAgent(agent);
  }
  await service?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("lease watchdog", () => {
  it("ends a stopped agent's task once the lease runs out, and leaves its start task alone", async () => {
    const startTask = nextDispatchId();
    service.send({
      type: "dispatch",
      dispatchId: startTask,
      kind: "startTask",
      jobId: "",
      taskId: "",
      commandLine: "sleep 1000",
      environment: {},
      requiredSlots: 1,
    });
    const task = nextDispatchId();
    service.send({
      type: "dispatch",
      dispatchId: task,
      kind: "task",
      jobId: "job1",
      taskId: "fenced",
      commandLine: "sleep 1000",
      environment: {},
      requiredSlots: 1,
    });
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
  });
});
