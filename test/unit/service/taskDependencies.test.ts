import { describe, expect, it } from "vitest";
import type { BatchError } from "../../../protocol/errors.js";
import { parentsOf, TaskDependencyGraph } from "../../../service/core/taskDependencies.js";

describe("parentsOf", () => {
  it("expands ranges and removes duplicates", () => {
    expect(parentsOf("x", { taskIds: ["a", "2"], taskIdRanges: [{ start: 1, end: 3 }] })).toEqual([
      "a",
      "2",
      "1",
      "3",
    ]);
  });

  it("refuses a task depending on itself, an empty range and an oversized one", () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as BatchError).code;
      }
    };
    expect(code(() => parentsOf("2", { taskIdRanges: [{ start: 1, end: 3 }] }))).toBe("InvalidPropertyValue");
    expect(code(() => parentsOf("x", { taskIdRanges: [{ start: 3, end: 1 }] }))).toBe("InvalidPropertyValue");
    expect(code(() => parentsOf("x", { taskIdRanges: [{ start: 0, end: 200_000 }] }))).toBe(
      "InvalidPropertyValue",
    );
    expect(
      code(() =>
        parentsOf("x", { taskIds: Array.from({ length: 2000 }, (_, i) => `task-${i}-${"y".repeat(30)}`) }),
      ),
    ).toBe("TaskDependencyListTooLong");
  });
});

describe("TaskDependencyGraph", () => {
  it("releases a task when the last of its parents is satisfied, and only then", () => {
    const satisfied = new Set(["done"]);
    const graph = new TaskDependencyGraph((_job, id) => satisfied.has(id));
    expect(graph.admit("j", "free", ["done"])).toBe(true);
    expect(graph.admit("j", "c", ["a", "b", "done"])).toBe(false);
    expect(graph.admit("j", "d", ["a"])).toBe(false);
    expect(graph.isWaiting("j", "c")).toBe(true);
    expect(graph.satisfied("j", "a")).toEqual(["d"]);
    expect(graph.satisfied("j", "a")).toEqual([]);
    expect(graph.satisfied("j", "b")).toEqual(["c"]);
    expect(graph.isWaiting("j", "c")).toBe(false);
  });

  it("forgets deleted tasks and deleted jobs", () => {
    const graph = new TaskDependencyGraph(() => false);
    graph.admit("j", "c", ["a"]);
    graph.admit("j", "d", ["a"]);
    graph.forgetTask("j", "c");
    expect(graph.satisfied("j", "a")).toEqual(["d"]);
    graph.admit("k", "e", ["a"]);
    graph.forgetJob("k");
    expect(graph.isWaiting("k", "e")).toBe(false);
    expect(graph.satisfied("k", "a")).toEqual([]);
  });
});
