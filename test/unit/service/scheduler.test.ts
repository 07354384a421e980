import { describe, expect, it } from "vitest";
import { PoolSlots } from "../../../service/scheduler/nodeSlots.js";
import { Scheduler } from "../../../service/scheduler/scheduler.js";

/** Runs the scheduler's pending passes (they run on setImmediate). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

function recordingScheduler() {
  const dispatched: { nodeId: string; jobId: string; taskId: string }[] = [];
  const scheduler = new Scheduler((_pool, nodeId, jobId, taskId) => {
    dispatched.push({ nodeId, jobId, taskId });
    return true;
  });
  return { scheduler, dispatched };
}

describe("PoolSlots", () => {
  it("spread picks the node with the most free slots; pack fills one node first", () => {
    const slots = new PoolSlots();
    for (const id of ["a", "b"]) {
      slots.addNode(id, 4);
      slots.setEligible(id, true);
    }
    slots.use("a", 1);
    expect(slots.pick(1, "spread")).toBe("b");
    expect(slots.pick(1, "pack")).toBe("a");
    expect(slots.pick(4, "pack")).toBe("b");
    expect(slots.pick(5, "spread")).toBeUndefined();
  });

  it("never offers an ineligible or full node", () => {
    const slots = new PoolSlots();
    slots.addNode("a", 2);
    expect(slots.pick(1, "spread")).toBeUndefined();
    slots.setEligible("a", true);
    slots.use("a", 2);
    expect(slots.pick(1, "spread")).toBeUndefined();
    slots.release("a", 1);
    expect(slots.pick(1, "spread")).toBe("a");
  });
});

describe("Scheduler", () => {
  it("dispatches higher-priority jobs first, then by submission order", async () => {
    const { scheduler, dispatched } = recordingScheduler();
    scheduler.addNode("p", "n1", 1);
    scheduler.upsertJob("low", { poolId: "p", priority: 0, seq: 1, maxParallelTasks: -1, runnable: true });
    scheduler.upsertJob("high", { poolId: "p", priority: 100, seq: 2, maxParallelTasks: -1, runnable: true });
    scheduler.enqueue("low", "l1", 1);
    scheduler.enqueue("high", "h1", 1);
    scheduler.enqueue("high", "h2", 1);
    scheduler.setNodeEligible("p", "n1", true);
    await settle();
    expect(dispatched.map((d) => d.taskId)).toEqual(["h1"]);
    scheduler.release("p", "n1", "high", 1);
    await settle();
    scheduler.release("p", "n1", "high", 1);
    await settle();
    expect(dispatched.map((d) => d.taskId)).toEqual(["h1", "h2", "l1"]);
  });

  it("spreads tasks across nodes and respects slots per node", async () => {
    const { scheduler, dispatched } = recordingScheduler();
    for (const n of ["n1", "n2"]) {
      scheduler.addNode("p", n, 2);
      scheduler.setNodeEligible("p", n, true);
    }
    scheduler.upsertJob("j", { poolId: "p", priority: 0, seq: 1, maxParallelTasks: -1, runnable: true });
    for (let i = 0; i < 6; i++) scheduler.enqueue("j", `t${i}`, 1);
    await settle();
    expect(dispatched).toHaveLength(4);
    expect(dispatched.filter((d) => d.nodeId === "n1")).toHaveLength(2);
    expect(dispatched.filter((d) => d.nodeId === "n2")).toHaveLength(2);
  });

  it("does not dispatch a job that is not runnable, or past maxParallelTasks", async () => {
    const { scheduler, dispatched } = recordingScheduler();
    scheduler.addNode("p", "n1", 8);
    scheduler.setNodeEligible("p", "n1", true);
    scheduler.upsertJob("off", { poolId: "p", priority: 0, seq: 1, maxParallelTasks: -1, runnable: false });
    scheduler.upsertJob("capped", { poolId: "p", priority: 0, seq: 2, maxParallelTasks: 2, runnable: true });
    scheduler.enqueue("off", "o1", 1);
    for (let i = 0; i < 5; i++) scheduler.enqueue("capped", `c${i}`, 1);
    await settle();
    expect(dispatched.map((d) => d.taskId)).toEqual(["c0", "c1"]);
  });

  it("keeps a task the dispatcher refuses out of the slot count", async () => {
    let accept = false;
    const seen: string[] = [];
    const scheduler = new Scheduler((_p, _n, _j, taskId) => {
      seen.push(taskId);
      return accept;
    });
    scheduler.addNode("p", "n1", 1);
    scheduler.setNodeEligible("p", "n1", true);
    scheduler.upsertJob("j", { poolId: "p", priority: 0, seq: 1, maxParallelTasks: -1, runnable: true });
    scheduler.enqueue("j", "gone", 1);
    await settle();
    accept = true;
    scheduler.enqueue("j", "next", 1);
    await settle();
    expect(seen).toEqual(["gone", "next"]);
  });
});

describe("Scheduler: multi-instance tasks (gang)", () => {
  function gangScheduler(wanted = (_job: string, _task: string) => true) {
    const dispatched: { nodeIds: string[]; taskId: string }[] = [];
    const scheduler = new Scheduler(
      (_pool, nodeId, _job, taskId) => {
        dispatched.push({ nodeIds: [nodeId], taskId });
        return true;
      },
      {
        dispatch: (_pool, nodeIds, _job, taskId) => {
          dispatched.push({ nodeIds, taskId });
          return true;
        },
        wanted,
      },
    );
    return { scheduler, dispatched };
  }

  function nodes(scheduler: Scheduler, ids: string[]) {
    for (const id of ids) {
      scheduler.addNode("p", id, 1);
      scheduler.setNodeEligible("p", id, true);
    }
  }

  it("starts a task on all its nodes at once, and only when it has them all", async () => {
    const { scheduler, dispatched } = gangScheduler();
    scheduler.upsertJob("j", { poolId: "p", priority: 0, seq: 1, maxParallelTasks: -1, runnable: true });
    nodes(scheduler, ["a", "b"]);
    scheduler.enqueue("j", "mpi", 1, false, 3);
    await settle();
    expect(dispatched).toEqual([]);
    expect(scheduler.heldNodes("p")?.nodeIds.sort()).toEqual(["a", "b"]);
    nodes(scheduler, ["c"]);
    await settle();
    expect(dispatched).toHaveLength(1);
    expect(dispatched[0]!.nodeIds.sort()).toEqual(["a", "b", "c"]);
    expect(scheduler.heldNodes("p")).toBeUndefined();
  });

  it("lets only the first multi-instance task hold nodes: two that need more than the pool has both run", async () => {
    const { scheduler, dispatched } = gangScheduler();
    scheduler.upsertJob("j", { poolId: "p", priority: 0, seq: 1, maxParallelTasks: -1, runnable: true });
    scheduler.upsertJob("k", { poolId: "p", priority: 0, seq: 2, maxParallelTasks: -1, runnable: true });
    scheduler.enqueue("j", "first", 1, false, 3);
    scheduler.enqueue("k", "second", 1, false, 3);
    nodes(scheduler, ["a", "b", "c", "d"]);
    await settle();
    expect(dispatched.map((d) => d.taskId)).toEqual(["first"]);
    // The second holds the fourth node and waits; the first's nodes come back one by one.
    expect(scheduler.heldNodes("p")).toEqual({ jobId: "k", taskId: "second", nodeIds: ["d"] });
    for (const node of dispatched[0]!.nodeIds) scheduler.release("p", node, "j", 1);
    await settle();
    expect(dispatched.map((d) => d.taskId)).toEqual(["first", "second"]);
  });

  it("does not let single-node tasks behind it take the nodes it waits for", async () => {
    const { scheduler, dispatched } = gangScheduler();
    scheduler.upsertJob("j", { poolId: "p", priority: 0, seq: 1, maxParallelTasks: -1, runnable: true });
    scheduler.upsertJob("later", { poolId: "p", priority: 0, seq: 2, maxParallelTasks: -1, runnable: true });
    nodes(scheduler, ["a", "b"]);
    scheduler.enqueue("later", "busy", 1);
    await settle();
    scheduler.enqueue("j", "mpi", 1, false, 2);
    for (let i = 0; i < 5; i++) scheduler.enqueue("later", `small${i}`, 1);
    await settle();
    // "busy" runs on one node; the other is held for "mpi", not given to the small tasks.
    expect(dispatched.map((d) => d.taskId)).toEqual(["busy"]);
    scheduler.release("p", dispatched[0]!.nodeIds[0]!, "later", 1);
    await settle();
    expect(dispatched.map((d) => d.taskId)).toEqual(["busy", "mpi"]);
  });

  it("gives the held nodes back when the waiting task may no longer run", async () => {
    let wanted = true;
    const { scheduler, dispatched } = gangScheduler(() => wanted);
    scheduler.upsertJob("j", { poolId: "p", priority: 0, seq: 1, maxParallelTasks: -1, runnable: true });
    nodes(scheduler, ["a"]);
    scheduler.enqueue("j", "mpi", 1, false, 2);
    scheduler.enqueue("j", "small", 1);
    await settle();
    expect(scheduler.heldNodes("p")?.nodeIds).toEqual(["a"]);
    wanted = false; // terminated while it waited
    scheduler.kick("p");
    await settle();
    expect(scheduler.heldNodes("p")).toBeUndefined();
    expect(dispatched.map((d) => d.taskId)).toEqual(["small"]);
  });
});
