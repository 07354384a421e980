/**
 * The real agent runs dispatches from a fake service: registration, heartbeats, the Azure Batch
 * directory layout and environment, exit codes, spawn failures, terminate and maxWallClockTime.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DispatchMessage } from "../../../protocol/agent.js";
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
  service = await FakeService.start();
  root = makeNodeRoot();
  // The join token comes from the environment, to check that it does not leak into tasks.
  agent = startAgent({ url: service.url, root, env: { OPENBATCH_JOIN_TOKEN: "secret-join-token" } });
  await service.waitFor("register");
});

afterAll(async () => {
  if (agent) await stopAgent(agent);
  await service?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

function dispatch(fields: Partial<DispatchMessage> & { commandLine: string }): string {
  const dispatchId = fields.dispatchId ?? nextDispatchId();
  service.send({
    type: "dispatch",
    dispatchId,
    kind: "task",
    jobId: "job1",
    taskId: dispatchId,
    environment: {},
    requiredSlots: 1,
    ...fields,
  });
  return dispatchId;
}

const completion = (dispatchId: string) =>
  service.waitFor("taskCompleted", (m) => m.dispatchId === dispatchId);

describe("agent registration and heartbeat", () => {
  it("registers first with the node's identity", () => {
    const register = service.received[0]!;
    expect(register).toMatchObject({
      type: "register",
      protocolVersion: 1,
      poolId: "pool1",
      nodeId: "node1",
      joinToken: "secret-join-token",
      agentVersion: "0.1.0",
      ipAddress: "127.0.0.1",
      nodeRootDirectory: root,
      runningDispatchIds: [],
      unackedDispatchIds: [],
    });
    expect(register.requestId).toMatch(/./);
    for (const dir of ["shared", "startup", "applications", "workitems"])
      expect(existsSync(join(root, dir))).toBe(true);
  });

  it("sends heartbeats with sampled health", async () => {
    const beat = await service.waitFor("heartbeat", (m) => m.health.diskTotalBytes > 0);
    expect(beat.health.memoryTotalBytes).toBeGreaterThan(0);
    expect(beat.health.diskUsedBytes).toBeGreaterThan(0);
    expect(beat.runningDispatchIds).toEqual([]);
  });
});

describe("running a dispatch", () => {
  it("runs without a shell, writes output in the Azure layout, reports the exit code", async () => {
    const id = dispatch({ taskId: "t-exit", commandLine: `/bin/sh -c "echo hello; echo err >&2; exit 3"` });
    const started = await service.waitFor("taskStarted", (m) => m.dispatchId === id);
    const done = await completion(id);
    expect(started.pid).toBeGreaterThan(0);
    expect(done).toMatchObject({ exitCode: 3, startTime: started.startTime });
    expect(done.failure).toBeUndefined();
    const taskDir = join(root, "workitems/job1/job-1/t-exit");
    expect(readFileSync(join(taskDir, "stdout.txt"), "utf8")).toBe("hello\n");
    expect(readFileSync(join(taskDir, "stderr.txt"), "utf8")).toBe("err\n");
    expect(existsSync(join(taskDir, "wd"))).toBe(true);
  });

  it("gives the task the AZ_BATCH_* variables, its own environment, and none of the agent's secrets", async () => {
    const id = dispatch({ taskId: "t-env", commandLine: "/usr/bin/env", environment: { MY_SETTING: "a b" } });
    expect((await completion(id)).exitCode).toBe(0);
    const taskDir = join(root, "workitems/job1/job-1/t-env");
    const env = Object.fromEntries(
      readFileSync(join(taskDir, "stdout.txt"), "utf8")
        .trim()
        .split("\n")
        .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
    expect(env).toMatchObject({
      MY_SETTING: "a b",
      AZ_BATCH_ACCOUNT_NAME: "testaccount",
      AZ_BATCH_POOL_ID: "pool1",
      AZ_BATCH_NODE_ID: "node1",
      AZ_BATCH_NODE_IS_DEDICATED: "true",
      AZ_BATCH_NODE_ROOT_DIR: root,
      AZ_BATCH_NODE_SHARED_DIR: join(root, "shared"),
      AZ_BATCH_NODE_STARTUP_DIR: join(root, "startup"),
      AZ_BATCH_JOB_ID: "job1",
      AZ_BATCH_TASK_ID: "t-env",
      AZ_BATCH_TASK_DIR: taskDir,
      AZ_BATCH_TASK_WORKING_DIR: join(taskDir, "wd"),
    });
    expect(env.PATH).toBeTruthy();
    expect(JSON.stringify(env)).not.toContain("secret-join-token");
    expect(Object.keys(env).filter((k) => k.startsWith("OPENBATCH_"))).toEqual([]);
  });

  it("runs a start task in startup/wd with its output in startup/", async () => {
    const id = dispatch({
      kind: "startTask",
      jobId: "",
      taskId: "",
      commandLine: `/bin/sh -c 'pwd; echo "[$AZ_BATCH_TASK_ID]"'`,
    });
    expect((await completion(id)).exitCode).toBe(0);
    const stdout = readFileSync(join(root, "startup/stdout.txt"), "utf8");
    expect(stdout).toBe(`${join(root, "startup/wd")}\n[]\n`);
  });

  it("reports a program that does not exist as a user error, without an exit code", async () => {
    const id = dispatch({ commandLine: "/no/such/program --flag" });
    const done = await completion(id);
    expect(done.exitCode).toBeUndefined();
    expect(done.failure).toMatchObject({ category: "usererror", code: "CommandProgramNotFound" });
    expect(done.failure!.message).toContain("/no/such/program");
  });

  it("tells a program that is not executable from one that exits 126 or 127 itself", async () => {
    const notExecutableFile = join(root, "shared/not-executable");
    writeFileSync(notExecutableFile, "echo hi\n", { mode: 0o644 });
    const notExecutable = await completion(dispatch({ commandLine: notExecutableFile }));
    expect(notExecutable.exitCode).toBeUndefined();
    expect(notExecutable.failure).toMatchObject({ code: "CommandProgramNotExecutable" });
    const missingInterpreter = join(root, "shared/no-interpreter.sh");
    writeFileSync(missingInterpreter, "#!/no/such/interpreter\n", { mode: 0o755 });
    const noInterpreter = await completion(dispatch({ commandLine: missingInterpreter }));
    expect(noInterpreter.failure).toMatchObject({ code: "CommandProgramNotFound" });
    const exits127 = await completion(dispatch({ commandLine: `/bin/sh -c "exit 127"` }));
    expect(exits127.exitCode).toBe(127);
    expect(exits127.failure).toBeUndefined();
  });

  it("reports a task killed by a signal it did not get from the agent with 128+n and the signal", async () => {
    const id = dispatch({ taskId: "t-segv", commandLine: `/bin/sh -c 'echo before; kill -SEGV $$'` });
    const done = await completion(id);
    expect(done).toMatchObject({ exitCode: 139, signal: "SIGSEGV" });
    expect(done.failure).toBeUndefined();
    // The wrapper says nothing of its own ("Segmentation fault") into the task's output.
    const taskDir = join(root, "workitems/job1/job-1/t-segv");
    expect(readFileSync(join(taskDir, "stdout.txt"), "utf8")).toBe("before\n");
    expect(readFileSync(join(taskDir, "stderr.txt"), "utf8")).toBe("");
  });

  it("reports a command line with an unterminated quote as CommandLineInvalid", async () => {
    const id = dispatch({ commandLine: `/bin/echo "never closed` });
    const done = await completion(id);
    expect(done.failure).toMatchObject({ category: "usererror", code: "CommandLineInvalid" });
  });

  it("terminate kills the whole process tree and reports TaskEnded", async () => {
    const id = dispatch({
      taskId: "t-tree",
      commandLine: `/bin/sh -c 'sleep 1000 & echo $! > child.pid; wait'`,
    });
    const started = await service.waitFor("taskStarted", (m) => m.dispatchId === id);
    const pidFile = join(root, "workitems/job1/job-1/t-tree/wd/child.pid");
    const childPid = await waitUntil(
      () => existsSync(pidFile) && Number(readFileSync(pidFile, "utf8").trim()),
      {
        what: "the task's child pid",
      },
    );
    const beat = await service.waitFor("heartbeat", (m) => m.runningDispatchIds.includes(id));
    expect(beat).toBeDefined();
    service.send({ type: "terminate", dispatchId: id, graceMs: 5000, reason: "the job was terminated" });
    const done = await completion(id);
    expect(done).toMatchObject({ exitCode: 143, signal: "SIGTERM" });
    expect(done.failure).toEqual({
      category: "usererror",
      code: "TaskEnded",
      message: "Task was terminated: the job was terminated",
    });
    await waitUntil(() => isProcessGone(started.pid) && isProcessGone(childPid), {
      what: "the process tree to die",
    });
  });

  it("kills a task that exceeds maxWallClockTimeMs", async () => {
    const id = dispatch({ commandLine: "sleep 1000", maxWallClockTimeMs: 300 });
    const started = await service.waitFor("taskStarted", (m) => m.dispatchId === id);
    const done = await completion(id);
    expect(done.failure).toMatchObject({ category: "usererror", code: "MaxWallClockTimeExceeded" });
    expect(done.exitCode).toBe(143);
    expect(Date.parse(done.endTime) - Date.parse(started.startTime)).toBeGreaterThanOrEqual(250);
    expect(isProcessGone(started.pid)).toBe(true);
  });

  it("ignores a duplicate dispatch of a finished task but re-sends its completion", async () => {
    const id = dispatch({ commandLine: "/bin/true" });
    const first = await completion(id);
    const seen = service.received.length;
    dispatch({ dispatchId: id, commandLine: "/bin/true" });
    const again = await service.waitFor("taskCompleted", (m) => m.dispatchId === id, { after: seen });
    expect(again.requestId).not.toBe(first.requestId);
    expect(again.endTime).toBe(first.endTime);
    const startedCount = service.received.filter(
      (m) => m.type === "taskStarted" && m.dispatchId === id,
    ).length;
    expect(startedCount).toBe(1);
  });
});
