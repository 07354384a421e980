/**
 * The transition tables of pools, allocations, nodes, jobs, job schedules and tasks, as Azure Batch
 * documents them. A state not listed as a target of another cannot be entered from it.
 */

import type { SubtaskState } from "../../protocol/rest/task.js";
import type {
  AllocationState,
  CertificateState,
  JobScheduleState,
  JobState,
  NodeState,
  PoolState,
  TaskState,
} from "../../protocol/states.js";
import type { TransitionTable } from "./stateMachine.js";

export const poolStateTable: TransitionTable<PoolState> = {
  active: ["deleting"],
  deleting: [],
};

export const allocationStateTable: TransitionTable<AllocationState> = {
  steady: ["resizing"],
  resizing: ["steady", "stopping"],
  stopping: ["steady"],
};

/**
 * Every live state can fall to `unknown` (contact lost) or `leavingpool` (removed); a low-priority
 * node whose machine runs can be `preempted`, and comes back `starting` on a fresh machine.
 */
export const nodeStateTable: TransitionTable<NodeState> = {
  creating: ["starting", "unknown", "leavingpool", "unusable"],
  // starttaskfailed: a node whose start task had failed comes back after installing its packages.
  starting: [
    "waitingforstarttask",
    "idle",
    "starttaskfailed",
    "unknown",
    "leavingpool",
    "unusable",
    "preempted",
  ],
  waitingforstarttask: [
    "idle",
    "running",
    "starttaskfailed",
    "unknown",
    "leavingpool",
    "unusable",
    "preempted",
  ],
  starttaskfailed: [
    "waitingforstarttask",
    "idle",
    "unknown",
    "leavingpool",
    "rebooting",
    "reimaging",
    "preempted",
  ],
  idle: [
    "running",
    "waitingforstarttask",
    "offline",
    "unknown",
    "leavingpool",
    "rebooting",
    "reimaging",
    "unusable",
    "preempted",
  ],
  running: ["idle", "offline", "unknown", "leavingpool", "rebooting", "reimaging", "unusable", "preempted"],
  rebooting: ["starting", "waitingforstarttask", "idle", "unknown", "leavingpool", "unusable"],
  reimaging: ["starting", "waitingforstarttask", "idle", "unknown", "leavingpool"],
  leavingpool: [],
  // offline: scheduling disabled and no task running.
  offline: ["idle", "running", "unknown", "leavingpool", "rebooting", "reimaging", "preempted"],
  unusable: ["starting", "idle", "unknown", "leavingpool", "rebooting", "reimaging", "preempted"],
  unknown: [
    "starting",
    "waitingforstarttask",
    "starttaskfailed",
    "idle",
    "running",
    "offline",
    "unusable",
    "leavingpool",
    "preempted",
  ],
  preempted: ["starting", "leavingpool"],
};

export const jobStateTable: TransitionTable<JobState> = {
  active: ["disabling", "terminating", "completed", "deleting"],
  disabling: ["disabled", "terminating", "deleting"],
  disabled: ["enabling", "terminating", "deleting"],
  enabling: ["active", "terminating", "deleting"],
  terminating: ["completed", "deleting"],
  completed: ["deleting"],
  deleting: [],
};

/**
 * A schedule completes when it will create no more jobs (also while disabled, once doNotRunAfter has
 * passed); `terminating` waits for its active job to end. Enabling goes back to `active`.
 */
export const jobScheduleStateTable: TransitionTable<JobScheduleState> = {
  active: ["disabled", "terminating", "completed", "deleting"],
  disabled: ["active", "terminating", "completed", "deleting"],
  terminating: ["completed", "deleting"],
  completed: ["deleting"],
  deleting: [],
};

/** A running task can go back to `active` when it is retried or requeued. */
export const taskStateTable: TransitionTable<TaskState> = {
  active: ["preparing", "running", "completed"],
  preparing: ["active", "running", "completed"],
  running: ["active", "completed"],
  completed: ["active"],
};

/**
 * A delete moves an unreferenced certificate to `deleting`; it is removed once no pool being deleted
 * still holds it, unless the deletion is cancelled. `deletefailed` is Azure's state for a delete that
 * found references; OpenBatch refuses such a delete up front, so it never enters it.
 */
export const certificateStateTable: TransitionTable<CertificateState> = {
  active: ["deleting"],
  deleting: ["active"],
  deletefailed: ["active", "deleting"],
};

/** One instance of a multi-instance task: it may end before it started (terminated, node lost). */
export const subtaskStateTable: TransitionTable<SubtaskState> = {
  preparing: ["running", "completed"],
  running: ["completed"],
  completed: [],
};
