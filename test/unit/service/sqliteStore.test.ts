import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { TaskRecord } from "../../../service/core/records.js";
import { SqliteStore } from "../../../service/store/sqlite.js";

function task(jobId: string, id: string, seq: number, state: TaskRecord["state"] = "active"): TaskRecord {
  const at = new Date().toISOString();
  return {
    jobId,
    id,
    seq,
    version: 1,
    creationTime: at,
    lastModified: at,
    spec: { id, commandLine: "/bin/true" },
    state,
    stateTransitionTime: at,
    executionInfo: { retryCount: 0, requeueCount: 0 },
  };
}

describe("SqliteStore", () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "openbatch-store-")), "account.db");

  it("keeps what was flushed across a reopen, refuses duplicate task ids, pages by seq and state", async () => {
    const store = new SqliteStore(file);
    expect(store.nextSeq("tasks")).toBe(1);
    for (let i = 1; i <= 5; i++)
      expect(store.insertTask(task("j", `t${i}`, i, i % 2 ? "active" : "completed"))).toBe(true);
    expect(store.insertTask(task("j", "t1", 99))).toBe(false);
    const failed = task("j", "t4", 4, "completed");
    store.putTask({ ...failed, executionInfo: { ...failed.executionInfo, result: "failure" } });
    // Reads see writes before they are committed.
    expect(store.getTask("j", "t3")?.seq).toBe(3);
    await store.flush();
    store.close();

    const reopened = new SqliteStore(file);
    expect(reopened.nextSeq("tasks")).toBe(2);
    expect(reopened.listTasks("j", { limit: 2 }).map((t) => t.id)).toEqual(["t1", "t2"]);
    expect(reopened.listTasks("j", { afterSeq: 2, limit: 10 }).map((t) => t.id)).toEqual(["t3", "t4", "t5"]);
    expect(reopened.listTasks("j", { limit: 10, state: "completed" }).map((t) => t.id)).toEqual(["t2", "t4"]);
    expect(reopened.taskStateCounts()).toEqual(
      expect.arrayContaining([
        { jobId: "j", state: "active", failed: 0, count: 3, slots: 3 },
        { jobId: "j", state: "completed", failed: 0, count: 1, slots: 1 },
        { jobId: "j", state: "completed", failed: 1, count: 1, slots: 1 },
      ]),
    );
    reopened.deleteTasksOfJob("j");
    expect(reopened.listTasks("j", { limit: 10 })).toEqual([]);
    await reopened.flush();
    reopened.close();
  });

  it("commits the writes of one turn together (group commit)", async () => {
    const store = new SqliteStore(`${file}-group`);
    const flushes = [];
    for (let i = 1; i <= 100; i++) {
      store.insertTask(task("g", `t${i}`, i));
      flushes.push(store.flush());
    }
    await Promise.all(flushes);
    store.close();
    const again = new SqliteStore(`${file}-group`);
    expect(again.listTasks("g", { limit: 1000 })).toHaveLength(100);
    again.close();
  });
});
