import { describe, expect, it } from "vitest";
import { poolColumns, taskColumns } from "../../../cli/columns.js";
import { type Column, renderRecord, renderTable } from "../../../cli/output.js";
import type { Pool } from "../../../protocol/rest/pool.js";
import type { Task } from "../../../protocol/rest/task.js";

describe("renderTable", () => {
  const columns: Column<{ name: string; size?: number }>[] = [
    { header: "name", value: (r) => r.name },
    { header: "size", value: (r) => r.size },
  ];

  it("aligns columns under upper-cased headers and marks absent values with -", () => {
    expect(renderTable([{ name: "a-long-name", size: 1 }, { name: "b" }], columns)).toBe(
      "NAME         SIZE\na-long-name  1\nb            -\n",
    );
  });

  it("renders one resource as aligned header/value lines", () => {
    expect(renderRecord({ name: "x", size: 10 }, columns)).toBe("name  x\nsize  10\n");
  });
});

describe("resource columns", () => {
  it("show a pool's allocation and current/target nodes", () => {
    const pool = {
      id: "p1",
      state: "active",
      allocationState: "resizing",
      vmSize: "standard_d2s_v3",
      currentDedicatedNodes: 1,
      targetDedicatedNodes: 3,
      taskSlotsPerNode: 4,
    } as Pool;
    expect(renderTable([pool], poolColumns)).toBe(
      "ID  STATE   ALLOCATIONSTATE  VMSIZE           NODES  SLOTSPERNODE\n" +
        "p1  active  resizing         standard_d2s_v3  1/3    4\n",
    );
  });

  it("show a task's exit code and node once it ran", () => {
    const task = {
      id: "t1",
      state: "completed",
      executionInfo: { exitCode: 0, startTime: "2024-01-01T00:00:00Z", endTime: "2024-01-01T00:00:01Z" },
      nodeInfo: { nodeId: "n1" },
    } as Task;
    const pending = { id: "t2", state: "active" } as Task;
    expect(renderTable([task, pending], taskColumns).split("\n")).toEqual([
      "ID  STATE      EXITCODE  NODE  STARTTIME             ENDTIME",
      "t1  completed  0         n1    2024-01-01T00:00:00Z  2024-01-01T00:00:01Z",
      "t2  active     -         -     -                     -",
      "",
    ]);
  });
});
