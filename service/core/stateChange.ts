/** Moving a record to a new state through its transition table, keeping Azure's previousState fields. */
import type { AllocationState, JobState, NodeState, PoolState, TaskState } from "../../protocol/states.js";
import type { JobRecord, NodeRecord, PoolRecord, TaskRecord, Versioned } from "./records.js";
import { assertTransition } from "./stateMachine.js";
import {
  allocationStateTable,
  jobStateTable,
  nodeStateTable,
  poolStateTable,
  taskStateTable,
} from "./stateTables.js";
import { now } from "./time.js";

export function touch(record: Versioned, at = now()): void {
  record.version++;
  record.lastModified = at;
}

export function moveTask(task: TaskRecord, to: TaskState, at = now()): void {
  assertTransition(`task ${task.jobId}/${task.id}`, taskStateTable, task.state, to);
  if (task.state !== to) {
    task.previousState = task.state;
    task.previousStateTransitionTime = task.stateTransitionTime;
    task.state = to;
    task.stateTransitionTime = at;
  }
  touch(task, at);
}

export function moveJob(job: JobRecord, to: JobState, at = now()): void {
  assertTransition(`job ${job.id}`, jobStateTable, job.state, to);
  if (job.state !== to) {
    job.previousState = job.state;
    job.previousStateTransitionTime = job.stateTransitionTime;
    job.state = to;
    job.stateTransitionTime = at;
  }
  touch(job, at);
}

export function movePool(pool: PoolRecord, to: PoolState, at = now()): void {
  assertTransition(`pool ${pool.id}`, poolStateTable, pool.state, to);
  if (pool.state !== to) {
    pool.state = to;
    pool.stateTransitionTime = at;
  }
  touch(pool, at);
}

export function moveAllocation(pool: PoolRecord, to: AllocationState, at = now()): void {
  assertTransition(`pool ${pool.id} allocation`, allocationStateTable, pool.allocationState, to);
  if (pool.allocationState !== to) {
    pool.allocationState = to;
    pool.allocationStateTransitionTime = at;
  }
  touch(pool, at);
}

export function moveNode(node: NodeRecord, to: NodeState, at = now()): void {
  assertTransition(`node ${node.poolId}/${node.id}`, nodeStateTable, node.state, to);
  if (node.state !== to) {
    node.state = to;
    node.stateTransitionTime = at;
  }
}
