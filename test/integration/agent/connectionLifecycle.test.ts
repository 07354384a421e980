/**
 * The agent's life across connections and restarts: reliable delivery through the outbox, adoption of
 * tasks after an agent restart, refused registration, node id assignment, and shutdown.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { DispatchMessage } from "../../../protocol/agent.js";
import {
  type AgentProcess,
  buildAgent,
  FakeService,
  type FakeServiceOptions,
  isProcessGone,
  makeNodeRoot,
  nextDispatchId,
  type StartAgentOptions,
  startAgent,
  stopAgent,
  waitUntil,
} from "./agentHarness.js";

const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(buildAgent);

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(options: FakeServiceOptions = {}) {
  const service = await FakeService.start(options);
  const root = makeNodeRoot();
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  cleanups.push(() => service.close());
  return { service, root };
}

function launch(options: StartAgentOptions): AgentProcess {
  const agent = startAgent({ joinToken: "token", ...options });
  cleanups.push(() => stopAgent(agent));
  return agent;
}

function dispatchTo(
  service: FakeService,
  commandLine: string,
  fields: Partial<DispatchMessage> = {},
): string {
  const dispatchId = nextDispatchId();
  service.send({
    type: "dispatch",
    dispatchId,
    kind: "task",
    jobId: "job1",
    taskId: dispatchId,
    commandLine,
    environment: {},
    requiredSlots: 1,
    ...fields,
  });
  return dispatchId;
}

/** A task that runs until the test creates `go` in its working directory. */
const WAIT_FOR_GO = `/bin/sh -c 'while [ ! -e go ]; do sleep 0.05; done; echo finished'`;
const release = (root: string, dispatchId: string) =>
  writeFileSync(join(root, "workitems/job1/job-1", dispatchId, "wd/go"), "");
const outboxText = (root: string) => readFileSync(join(root, ".agent/outbox.jsonl"), "utf8");

describe("reliable reports", () => {
  it("delivers a completion that happened while disconnected after the agent reconnects", async () => {
    const { service, root } = await setUp();
    launch({ url: service.url, root });
    await service.waitFor("register");
    const id = dispatchTo(service, WAIT_FOR_GO);
    await service.waitFor("taskStarted", (m) => m.dispatchId === id);

    // The service goes away and, when the agent comes back, keeps it waiting for `registered`.
    service.options.register = "hold";
    const before = service.received.length;
    service.dropConnection();
    const held = await service.waitFor("register", () => true, { after: before });
    expect(held.runningDispatchIds).toEqual([id]);

    release(root, id);
    await waitUntil(() => outboxText(root).includes(`"dispatchId":"${id}"`), {
      what: "the completion in the outbox",
    });
    expect(service.received.slice(before).some((m) => m.type === "taskCompleted")).toBe(false);

    service.acceptRegistration(held);
    const done = await service.waitFor("taskCompleted", (m) => m.dispatchId === id);
    expect(done.exitCode).toBe(0);
    // Acked: the outbox file drains.
    await waitUntil(() => outboxText(root) === "", { what: "the outbox to drain" });
  });

  it("re-sends unacked completions with their original request id after an agent restart", async () => {
    const { service, root } = await setUp({ autoAck: false });
    const first = launch({ url: service.url, root });
    await service.waitFor("register");
    const id = dispatchTo(service, "/bin/sh -c 'exit 7'");
    const done = await service.waitFor("taskCompleted", (m) => m.dispatchId === id);

    first.child.kill("SIGKILL");
    await first.exited;
    const before = service.received.length;
    service.options.autoAck = true;
    launch({ url: service.url, root });
    const register = await service.waitFor("register", () => true, { after: before });
    expect(register.unackedDispatchIds).toEqual([id]);
    const resent = await service.waitFor("taskCompleted", (m) => m.dispatchId === id, { after: before });
    expect(resent.requestId).toBe(done.requestId);
    expect(resent.exitCode).toBe(7);
  });
});

describe("several service URLs", () => {
  it("fails over to the next URL when its connection drops, and registers there", async () => {
    const { service: first, root } = await setUp();
    const second = await FakeService.start();
    cleanups.push(() => second.close());
    launch({ url: `${first.url},${second.url}`, root });
    await first.waitFor("register");
    const id = dispatchTo(first, WAIT_FOR_GO);
    await first.waitFor("taskStarted", (m) => m.dispatchId === id);

    // The first replica dies: its port refuses connections from now on.
    await first.close();
    const register = await second.waitFor("register");
    expect(register.runningDispatchIds).toEqual([id]);
    release(root, id);
    const done = await second.waitFor("taskCompleted", (m) => m.dispatchId === id);
    expect(done.exitCode).toBe(0);
  });
});

describe("agent restarts", () => {
  /** Starts an agent, runs `commandLine` on it, and SIGKILLs the agent once the task has started. */
  async function killAgentDuringTask(commandLine: string) {
    const { service, root } = await setUp();
    const first = launch({ url: service.url, root });
    await service.waitFor("register");
    const id = dispatchTo(service, commandLine);
    const started = await service.waitFor("taskStarted", (m) => m.dispatchId === id);
    first.child.kill("SIGKILL");
    await first.exited;
    return { service, root, id, started };
  }

  async function restartAgent(service: FakeService, root: string) {
    const before = service.received.length;
    launch({ url: service.url, root });
    return service.waitFor("register", () => true, { after: before });
  }

  it("adopts a task that outlived the agent and reports its real exit code when it ends", async () => {
    const { service, root, id, started } = await killAgentDuringTask(`${WAIT_FOR_GO.slice(0, -1)}; exit 4'`);
    const register = await restartAgent(service, root);
    expect(register.runningDispatchIds).toEqual([id]);

    release(root, id);
    const done = await service.waitFor("taskCompleted", (m) => m.dispatchId === id);
    expect(done.exitCode).toBe(4);
    expect(done.startTime).toBe(started.startTime);
    expect(done.failure).toBeUndefined();
    // The wrapper's status file is gone once the completion is recorded.
    await waitUntil(() => readdirSync(join(root, ".agent/exit")).length === 0, {
      what: "the exit status file to be deleted",
    });
  });

  it("reports the exit code of a task that ended while the agent was down", async () => {
    const { service, root, id } = await killAgentDuringTask(WAIT_FOR_GO);
    release(root, id);
    await waitUntil(() => readFileSync(join(root, "workitems/job1/job-1", id, "stdout.txt"), "utf8"), {
      what: "the task to finish",
    });
    const statusFile = join(root, ".agent/exit", encodeURIComponent(id));
    await waitUntil(() => existsSync(statusFile), { what: "the exit status file" });
    const register = await restartAgent(service, root);
    expect(register.runningDispatchIds.concat(register.unackedDispatchIds)).toContain(id);
    const done = await service.waitFor("taskCompleted", (m) => m.dispatchId === id);
    expect(done.exitCode).toBe(0);
    expect(done.failure).toBeUndefined();
  });

  it("reports AgentRestarted when an adopted task's process was killed with its wrapper", async () => {
    const { service, root, id, started } = await killAgentDuringTask(WAIT_FOR_GO);
    await restartAgent(service, root);
    process.kill(-started.pid, "SIGKILL");
    const done = await service.waitFor("taskCompleted", (m) => m.dispatchId === id);
    expect(done.exitCode).toBeUndefined();
    expect(done.failure).toMatchObject({ category: "servererror", code: "AgentRestarted" });
  });

  it("kills tasks the service cancels on reconnect", async () => {
    const { service, root } = await setUp();
    launch({ url: service.url, root });
    await service.waitFor("register");
    const id = dispatchTo(service, "sleep 1000");
    const started = await service.waitFor("taskStarted", (m) => m.dispatchId === id);
    service.cancelDispatchIds = [id];
    service.dropConnection();
    const done = await service.waitFor("taskCompleted", (m) => m.dispatchId === id);
    expect(done.failure?.code).toBe("TaskEnded");
    expect(isProcessGone(started.pid)).toBe(true);
  });
});

describe("registration", () => {
  it("exits with status 1 when the service refuses the join token", async () => {
    const { service, root } = await setUp({ register: { refuse: "AuthenticationFailed" } });
    const agent = launch({ url: service.url, root });
    expect(await agent.exited).toEqual({ code: 1, signal: null });
    expect(agent.log()).toContain("AuthenticationFailed");
  });

  it("registers without a node id, stores the one assigned, and reuses it", async () => {
    const { service, root } = await setUp();
    const first = launch({ url: service.url, root, nodeId: null });
    const register = await service.waitFor("register");
    expect(register.nodeId).toBeUndefined();
    await waitUntil(() => existsSync(join(root, ".agent/node.json")), { what: "node.json" });
    expect(JSON.parse(readFileSync(join(root, ".agent/node.json"), "utf8"))).toEqual({
      nodeId: "tvm-assigned-1",
    });
    await stopAgent(first);

    const before = service.received.length;
    launch({ url: service.url, root, nodeId: null });
    const again = await service.waitFor("register", () => true, { after: before });
    expect(again.nodeId).toBe("tvm-assigned-1");
  });

  it("exits with status 2 on missing arguments", async () => {
    const agent = startAgent({ url: "ws://127.0.0.1:1/openbatch/agent", root: "/tmp", nodeId: null });
    expect(await agent.exited).toEqual({ code: 2, signal: null });
    expect(agent.log()).toMatch(/missing --join-token/);
  });
});

describe("shutdown", () => {
  it("terminates every task, reports them, and exits with status 0", async () => {
    const { service, root } = await setUp();
    const agent = launch({ url: service.url, root });
    await service.waitFor("register");
    const id = dispatchTo(service, `/bin/sh -c 'sleep 1000 & echo $! > child.pid; wait'`);
    const started = await service.waitFor("taskStarted", (m) => m.dispatchId === id);
    const pidFile = join(root, "workitems/job1/job-1", id, "wd/child.pid");
    const childPid = await waitUntil(
      () => existsSync(pidFile) && Number(readFileSync(pidFile, "utf8").trim()),
      {
        what: "the task's child pid",
      },
    );

    service.send({ type: "shutdown", reason: "the pool is being resized down" });
    const done = await service.waitFor("taskCompleted", (m) => m.dispatchId === id);
    expect(done.failure).toMatchObject({ code: "TaskEnded" });
    expect(done.failure!.message).toContain("the pool is being resized down");
    expect(await agent.exited).toEqual({ code: 0, signal: null });
    expect(isProcessGone(started.pid)).toBe(true);
    // The group's signal reaches the grandchild at once, but it may finish dying after the agent exits.
    await waitUntil(() => isProcessGone(childPid), { what: "the task's child to be gone" });
    expect(outboxText(root)).toBe("");
  });

  it("does the same on SIGTERM", async () => {
    const { service, root } = await setUp();
    const agent = launch({ url: service.url, root });
    await service.waitFor("register");
    const id = dispatchTo(service, "sleep 1000");
    const started = await service.waitFor("taskStarted", (m) => m.dispatchId === id);
    agent.child.kill("SIGTERM");
    expect(await agent.exited).toEqual({ code: 0, signal: null });
    expect(isProcessGone(started.pid)).toBe(true);
  });
});
