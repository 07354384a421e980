/** Moving a record to a new state through its transition table, keeping Azure's previousState fields. */
import type {
  AllocationState,
  CertificateState,
  JobScheduleState,
  JobState,
  NodeState,
  PoolState,
  TaskState,
} from "../../protocol/states.js";
import type {
  CertificateRecord,
  JobRecord,
  JobScheduleRecord,
  NodeRecord,
  PoolRecord,
  TaskRecord,
  Versioned,
} from "./records.js";
import { assertTransition, type TransitionTable } from "./stateMachine.js";
import {
  allocationStateTable,
  certificateStateTable,
  jobScheduleStateTable,
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

/** A record that keeps Azure's previousState and previousStateTransitionTime. */
interface WithPreviousState<S extends string> extends Versioned {
  state: S;
  stateTransitionTime: string;
  previousState?: S;
  previousStateTransitionTime?: string;
}

function moveKeepingPrevious<S extends string>(
  machine: string,
  table: TransitionTable<S>,
  record: WithPreviousState<S>,
  to: S,
  at: string,
): void {
  assertTransition(machine, table, record.state, to);
  if (record.state !== to) {
    record.previousState = record.state;
    record.previousStateTransitionTime = record.stateTransitionTime;
    record.state = to;
    record.stateTransitionTime = at;
  }
  touch(record, at);
}

export function moveTask(task: TaskRecord, to: TaskState, at = now()): void {
  moveKeepingPrevious(`task ${task.jobId}/${task.id}`, taskStateTable, task, to, at);
}

export function moveJob(job: JobRecord, to: JobState, at = now()): void {
  moveKeepingPrevious(`job ${job.id}`, jobStateTable, job, to, at);
}

export function moveJobSchedule(schedule: JobScheduleRecord, to: JobScheduleState, at = now()): void {
  moveKeepingPrevious(`job schedule ${schedule.id}`, jobScheduleStateTable, schedule, to, at);
}

export function moveCertificate(certificate: CertificateRecord, to: CertificateState, at = now()): void {
  moveKeepingPrevious(`certificate ${certificate.thumbprint}`, certificateStateTable, certificate, to, at);
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
