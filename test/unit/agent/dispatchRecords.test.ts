import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type DispatchRecord, DispatchRecords } from "../../../agent/dispatchRecords.js";
import { createLog } from "../../../agent/log.js";
import { type DispatchMessage, PROTOCOL_VERSION } from "../../../protocol/agent.js";

let dir: string;
let path: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "openbatch-dispatches-"));
  path = join(dir, "dispatches.jsonl");
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const open = () => new DispatchRecords(path, createLog({ write: () => {} }));
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

function record(dispatchId: string, state: DispatchRecord["state"]): DispatchRecord {
  const dispatch: DispatchMessage = {
    type: "dispatch",
    protocolVersion: PROTOCOL_VERSION,
    requestId: `r-${dispatchId}`,
    dispatchId,
    kind: "task",
    jobId: "j",
    taskId: dispatchId,
    commandLine: "/bin/true",
    environment: {},
    requiredSlots: 1,
  };
  return state === "running"
    ? { dispatch, state, startTime: "2024-01-01T00:00:00.000Z" }
    : { dispatch, state, completion: { type: "taskCompleted", dispatchId, exitCode: 0, endTime: "x" } };
}

describe("DispatchRecords", () => {
  it("finds the latest record of each dispatch after a restart", () => {
    const records = open();
    records.save(record("a", "running"));
    records.save(record("b", "running"));
    records.save(record("a", "completed"));
    const restarted = open();
    expect(restarted.loadAll()).toEqual([record("a", "completed"), record("b", "running")]);
    expect(restarted.load("b")).toMatchObject({ startTime: "2024-01-01T00:00:00.000Z" });
    expect(restarted.load("c")).toBeUndefined();
  });

  it("forgets the oldest completed records beyond a thousand, never a running one", async () => {
    const records = open();
    records.save(record("long", "running"));
    for (let i = 0; i < 1010; i++) records.save(record(`t${i}`, "completed"));
    await nextTurn();
    const ids = open()
      .loadAll()
      .map((r) => r.dispatch.dispatchId);
    expect(ids).toHaveLength(1000);
    expect(ids[0]).toBe("long");
    expect(ids[1]).toBe("t11");
    expect(ids.at(-1)).toBe("t1009");
  });
});
