import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLog } from "../../../agent/log.js";
import { Outbox } from "../../../agent/outbox.js";
import { type AgentMessage, PROTOCOL_VERSION } from "../../../protocol/agent.js";

let dir: string;
let path: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "openbatch-outbox-"));
  path = join(dir, "outbox.jsonl");
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const open = () => new Outbox(path, createLog({ write: () => {} }));
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

function started(requestId: string, dispatchId: string): AgentMessage {
  const startTime = "2024-01-01T00:00:00.000Z";
  return { type: "taskStarted", protocolVersion: PROTOCOL_VERSION, requestId, dispatchId, pid: 1, startTime };
}

function completed(requestId: string, dispatchId: string): AgentMessage {
  const endTime = "2024-01-01T00:00:01.000Z";
  return {
    type: "taskCompleted",
    protocolVersion: PROTOCOL_VERSION,
    requestId,
    dispatchId,
    exitCode: 0,
    endTime,
  };
}

describe("Outbox", () => {
  it("keeps unacked reports across a restart, in order, with their request ids", async () => {
    const outbox = open();
    outbox.add(started("r1", "d1"));
    outbox.add(started("r2", "d2"));
    outbox.add(completed("r3", "d1"));
    outbox.add(completed("r4", "d2"));
    expect(outbox.ack("r1")).toBe(true);
    expect(outbox.ack("r4")).toBe(true);
    expect(outbox.ack("unknown")).toBe(false);
    await nextTurn();
    // An ack appends a line instead of rewriting the file.
    expect(readFileSync(path, "utf8").split("\n").slice(4, 6)).toEqual(['{"ack":"r1"}', '{"ack":"r4"}']);

    const restarted = open();
    expect(restarted.messages.map((m) => m.requestId)).toEqual(["r2", "r3"]);
    expect(restarted.unackedDispatchIds()).toEqual(["d1"]);
    expect(restarted.pendingCompletion("d1")?.requestId).toBe("r3");
    expect(restarted.pendingCompletion("d2")).toBeUndefined();
  });

  it("leaves an empty file once everything is acked", async () => {
    const outbox = open();
    outbox.add(started("r1", "d1"));
    outbox.add(completed("r2", "d1"));
    outbox.ack("r1");
    outbox.ack("r2");
    expect(outbox.size).toBe(0);
    await nextTurn();
    expect(readFileSync(path, "utf8")).toBe("");
  });
});
