/** File requests over the wire: list, ranged read, path escape, and frames that break the contract. */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AgentProcess,
  buildAgent,
  FakeService,
  makeNodeRoot,
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
  agent = startAgent({ url: service.url, root, joinToken: "t" });
  await service.waitFor("register");
  service.send({
    type: "dispatch",
    dispatchId: "files-1",
    kind: "task",
    jobId: "job1",
    taskId: "task1",
    commandLine: `/bin/sh -c "printf 'abcdefghij'; echo data > out.txt"`,
    environment: {},
    requiredSlots: 1,
  });
  await service.waitFor("taskCompleted", (m) => m.dispatchId === "files-1");
});

afterAll(async () => {
  if (agent) await stopAgent(agent);
  await service?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

async function ask(fields: {
  op: "list" | "stat" | "read";
  path: string;
  recursive?: boolean;
  rangeStart?: number;
  rangeEnd?: number;
}) {
  const requestId = service.send({ type: "fileRequest", ...fields });
  return service.waitFor("fileResponse", (m) => m.replyTo === requestId);
}

describe("file requests", () => {
  it("lists a task directory recursively", async () => {
    const answer = await ask({ op: "list", path: "workitems/job1/job-1/task1", recursive: true });
    expect(answer.ok).toBe(true);
    expect(answer.entries!.map((e) => e.name)).toEqual(["stderr.txt", "stdout.txt", "wd", "wd/out.txt"]);
  });

  it("reads an inclusive byte range of stdout.txt", async () => {
    const answer = await ask({
      op: "read",
      path: "workitems/job1/job-1/task1/stdout.txt",
      rangeStart: 2,
      rangeEnd: 5,
    });
    expect(Buffer.from(answer.data!, "base64").toString()).toBe("cdef");
    expect(answer.file).toMatchObject({ contentLength: 10, isDirectory: false });
  });

  it("refuses a path that escapes the node root", async () => {
    const answer = await ask({ op: "read", path: "workitems/../../etc/passwd" });
    expect(answer).toMatchObject({ ok: false, errorCode: "InvalidPropertyValue" });
  });

  it("answers FileNotFound and InvalidRange", async () => {
    expect(await ask({ op: "stat", path: "workitems/nope" })).toMatchObject({
      ok: false,
      errorCode: "FileNotFound",
    });
    const beyond = await ask({ op: "read", path: "workitems/job1/job-1/task1/stdout.txt", rangeStart: 99 });
    expect(beyond).toMatchObject({ ok: false, errorCode: "InvalidRange" });
  });

  it("drops frames that do not match the protocol and keeps serving", async () => {
    service.sendRaw("not json");
    service.sendRaw(JSON.stringify({ type: "dispatch", protocolVersion: 1, requestId: "x" }));
    const answer = await ask({ op: "stat", path: "shared" });
    expect(answer).toMatchObject({ ok: true, file: { isDirectory: true } });
    // The agent's log line travels through a pipe and may arrive after its answer.
    await waitUntil(() => agent.log().includes("does not match protocol/agent.ts"), {
      what: "the agent to log the dropped frame",
    });
  });
});
