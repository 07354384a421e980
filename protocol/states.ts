/** State names, exactly as Azure Batch spells them on the wire. */

export const poolStates = ["active", "deleting"] as const;
export type PoolState = (typeof poolStates)[number];

export const allocationStates = ["steady", "resizing", "stopping"] as const;
export type AllocationState = (typeof allocationStates)[number];

export const nodeStates = [
  "creating",
  "starting",
  "waitingforstarttask",
  "starttaskfailed",
  "idle",
  "running",
  "rebooting",
  "reimaging",
  "leavingpool",
  "offline",
  "unusable",
  "unknown",
  "preempted",
] as const;
export type NodeState = (typeof nodeStates)[number];

export const schedulingStates = ["enabled", "disabled"] as const;
export type SchedulingState = (typeof schedulingStates)[number];

export const jobStates = [
  "active",
  "disabling",
  "disabled",
  "enabling",
  "terminating",
  "completed",
  "deleting",
] as const;
export type JobState = (typeof jobStates)[number];

export const taskStates = ["active", "preparing", "running", "completed"] as const;
export type TaskState = (typeof taskStates)[number];

export const startTaskStates = ["running", "completed"] as const;
export type StartTaskState = (typeof startTaskStates)[number];

export const taskExecutionResults = ["success", "failure"] as const;
export type TaskExecutionResult = (typeof taskExecutionResults)[number];

export const nodeFillTypes = ["spread", "pack"] as const;
export type NodeFillType = (typeof nodeFillTypes)[number];

export const nodeDeallocationOptions = ["requeue", "terminate", "taskcompletion", "retaineddata"] as const;
export type NodeDeallocationOption = (typeof nodeDeallocationOptions)[number];

export const errorCategories = ["usererror", "servererror"] as const;
export type ErrorCategory = (typeof errorCategories)[number];

export const jobScheduleStates = ["active", "completed", "disabled", "terminating", "deleting"] as const;
export type JobScheduleState = (typeof jobScheduleStates)[number];

/** OpenBatch never enters `deletefailed`: a delete that would fail is refused up front (docs/reference/certificates.md). */
export const certificateStates = ["active", "deleting", "deletefailed"] as const;
export type CertificateState = (typeof certificateStates)[number];

export const certificateFormats = ["pfx", "cer"] as const;
export type CertificateFormat = (typeof certificateFormats)[number];

export const certificateVisibilities = ["starttask", "task", "remoteuser"] as const;
export type CertificateVisibility = (typeof certificateVisibilities)[number];
