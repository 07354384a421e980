import { describe, expect, it } from "vitest";
import {
  certificateStates,
  jobScheduleStates,
  jobStates,
  nodeStates,
  poolStates,
  taskStates,
} from "../../../protocol/states.js";
import {
  assertTransition,
  canTransition,
  IllegalTransitionError,
} from "../../../service/core/stateMachine.js";
import {
  certificateStateTable,
  jobScheduleStateTable,
  jobStateTable,
  nodeStateTable,
  poolStateTable,
  taskStateTable,
} from "../../../service/core/stateTables.js";

describe("state tables", () => {
  it("list every state of each machine, with targets that are states of the same machine", () => {
    const machines = [
      [poolStateTable, poolStates],
      [nodeStateTable, nodeStates],
      [jobStateTable, jobStates],
      [jobScheduleStateTable, jobScheduleStates],
      [taskStateTable, taskStates],
      [certificateStateTable, certificateStates],
    ] as const;
    for (const [table, states] of machines) {
      expect(Object.keys(table).sort()).toEqual([...states].sort());
      for (const targets of Object.values(table) as string[][]) {
        for (const t of targets) expect(states as readonly string[]).toContain(t);
      }
    }
  });

  it("refuse illegal transitions", () => {
    expect(() => assertTransition("task", taskStateTable, "completed", "running")).toThrow(
      IllegalTransitionError,
    );
    expect(() => assertTransition("job", jobStateTable, "completed", "active")).toThrow(/completed → active/);
    expect(() => assertTransition("pool", poolStateTable, "deleting", "active")).toThrow(
      IllegalTransitionError,
    );
    expect(() => assertTransition("node", nodeStateTable, "leavingpool", "idle")).toThrow(
      IllegalTransitionError,
    );
    expect(canTransition(jobStateTable, "deleting", "active")).toBe(false);
    // OpenBatch refuses a delete that would fail instead of entering deletefailed.
    expect(Object.values(certificateStateTable).flat()).not.toContain("deletefailed");
    expect(() => assertTransition("job schedule", jobScheduleStateTable, "completed", "active")).toThrow(
      /job schedule: illegal transition completed → active/,
    );
    for (const to of ["active", "disabled", "terminating"] as const)
      expect(canTransition(jobScheduleStateTable, "completed", to)).toBe(false);
    expect(canTransition(jobScheduleStateTable, "terminating", "active")).toBe(false);
    expect(canTransition(jobScheduleStateTable, "deleting", "completed")).toBe(false);
  });

  it("allow the documented lifecycles", () => {
    expect(canTransition(taskStateTable, "active", "running")).toBe(true);
    expect(canTransition(taskStateTable, "running", "active")).toBe(true); // retry / requeue
    expect(canTransition(taskStateTable, "running", "completed")).toBe(true);
    expect(canTransition(jobStateTable, "active", "terminating")).toBe(true);
    expect(canTransition(jobStateTable, "terminating", "completed")).toBe(true);
    expect(canTransition(nodeStateTable, "starting", "waitingforstarttask")).toBe(true);
    expect(canTransition(nodeStateTable, "waitingforstarttask", "starttaskfailed")).toBe(true);
    expect(canTransition(nodeStateTable, "idle", "running")).toBe(true);
    expect(canTransition(jobScheduleStateTable, "active", "disabled")).toBe(true);
    expect(canTransition(jobScheduleStateTable, "disabled", "active")).toBe(true);
    expect(canTransition(jobScheduleStateTable, "active", "terminating")).toBe(true);
    expect(canTransition(jobScheduleStateTable, "terminating", "completed")).toBe(true);
    expect(canTransition(jobScheduleStateTable, "completed", "deleting")).toBe(true);
    // staying in a state is always allowed
    expect(canTransition(taskStateTable, "completed", "completed")).toBe(true);
  });
});
