import type { Certificate } from "../protocol/rest/certificate.js";
import type { Job } from "../protocol/rest/job.js";
import type { JobSchedule } from "../protocol/rest/jobSchedule.js";
import type { JobPreparationAndReleaseTaskExecutionInformation } from "../protocol/rest/jobTasks.js";
import type { ComputeNode } from "../protocol/rest/node.js";
import type { NodeCounts } from "../protocol/rest/nodeCounts.js";
import type { Pool } from "../protocol/rest/pool.js";
import type { PoolJoinInformation } from "../protocol/rest/poolJoin.js";
import type { Task, TaskAddResult } from "../protocol/rest/task.js";
import type { VirtualNetwork } from "../protocol/rest/virtualNetwork.js";
import type { FailedTask } from "./jobWait.js";
import type { Column } from "./output.js";

export const poolColumns: Column<Pool>[] = [
  { header: "id", value: (p) => p.id },
  { header: "state", value: (p) => p.state },
  { header: "allocationState", value: (p) => p.allocationState },
  { header: "vmSize", value: (p) => p.vmSize },
  { header: "nodes", value: (p) => `${p.currentDedicatedNodes}/${p.targetDedicatedNodes}` },
  { header: "slotsPerNode", value: (p) => p.taskSlotsPerNode },
];

export const certificateColumns: Column<Certificate>[] = [
  { header: "thumbprint", value: (c) => c.thumbprint },
  { header: "algorithm", value: (c) => c.thumbprintAlgorithm },
  { header: "state", value: (c) => c.state },
  { header: "stateTransitionTime", value: (c) => c.stateTransitionTime },
];

export const virtualNetworkColumns: Column<VirtualNetwork>[] = [
  { header: "name", value: (n) => n.name },
  { header: "addressPrefix", value: (n) => n.addressPrefix },
  { header: "isolation", value: (n) => n.isolation },
  { header: "pools", value: (n) => n.poolIds.join(",") },
  { header: "subnetId", value: (n) => n.subnetId },
];

export const poolJoinColumns: Column<PoolJoinInformation>[] = [
  { header: "serviceUrl", value: (j) => j.serviceUrl },
  { header: "bundleUrl", value: (j) => j.bundleUrl },
  { header: "joinToken", value: (j) => j.joinToken },
];

export const nodeColumns: Column<ComputeNode>[] = [
  { header: "id", value: (n) => n.id },
  { header: "state", value: (n) => n.state },
  { header: "schedulingState", value: (n) => n.schedulingState },
  { header: "ipAddress", value: (n) => n.ipAddress },
  { header: "runningTasks", value: (n) => n.runningTasksCount },
];

/** One row of `node counts`: a pool's dedicated or low-priority nodes by state. */
export interface NodeCountsRow {
  poolId: string;
  kind: "dedicated" | "lowPriority";
  counts: NodeCounts;
}

const countedStates = [
  "total",
  "creating",
  "starting",
  "waitingForStartTask",
  "startTaskFailed",
  "idle",
  "running",
  "offline",
  "rebooting",
  "reimaging",
  "leavingPool",
  "unusable",
  "unknown",
  "preempted",
] as const;

export const nodeCountsColumns: Column<NodeCountsRow>[] = [
  { header: "poolId", value: (r) => r.poolId },
  { header: "kind", value: (r) => r.kind },
  ...countedStates.map((state) => ({ header: state, value: (r: NodeCountsRow) => r.counts[state] })),
];

export const jobColumns: Column<Job>[] = [
  { header: "id", value: (j) => j.id },
  { header: "state", value: (j) => j.state },
  { header: "priority", value: (j) => j.priority },
  { header: "poolId", value: (j) => j.poolInfo.poolId },
  { header: "creationTime", value: (j) => j.creationTime },
];

export const prepReleaseColumns: Column<JobPreparationAndReleaseTaskExecutionInformation>[] = [
  { header: "nodeId", value: (s) => s.nodeId },
  { header: "preparation", value: (s) => s.jobPreparationTaskExecutionInfo?.state },
  { header: "prepResult", value: (s) => s.jobPreparationTaskExecutionInfo?.result },
  { header: "prepExitCode", value: (s) => s.jobPreparationTaskExecutionInfo?.exitCode },
  { header: "release", value: (s) => s.jobReleaseTaskExecutionInfo?.state },
  { header: "releaseResult", value: (s) => s.jobReleaseTaskExecutionInfo?.result },
];

export const jobScheduleColumns: Column<JobSchedule>[] = [
  { header: "id", value: (s) => s.id },
  { header: "state", value: (s) => s.state },
  { header: "poolId", value: (s) => s.jobSpecification?.poolInfo?.poolId },
  { header: "recurrenceInterval", value: (s) => s.schedule?.recurrenceInterval },
  { header: "nextRunTime", value: (s) => s.executionInfo?.nextRunTime },
  { header: "recentJob", value: (s) => s.executionInfo?.recentJob?.id },
];

export const taskColumns: Column<Task>[] = [
  { header: "id", value: (t) => t.id },
  { header: "state", value: (t) => t.state },
  { header: "exitCode", value: (t) => t.executionInfo?.exitCode },
  { header: "node", value: (t) => t.nodeInfo?.nodeId },
  { header: "startTime", value: (t) => t.executionInfo?.startTime },
  { header: "endTime", value: (t) => t.executionInfo?.endTime },
];

export const taskAddResultColumns: Column<TaskAddResult>[] = [
  { header: "taskId", value: (r) => r.taskId },
  { header: "status", value: (r) => r.status },
  {
    header: "error",
    value: (r) => (r.error ? `${r.error.code}: ${r.error.message.value.split("\n")[0]}` : undefined),
  },
];

export const failedTaskColumns: Column<FailedTask>[] = [
  { header: "id", value: (t) => t.id },
  { header: "exitCode", value: (t) => t.exitCode },
  {
    header: "failure",
    value: (t) =>
      t.failureInfo
        ? `${t.failureInfo.code ?? t.failureInfo.category}: ${t.failureInfo.message ?? ""}`
        : undefined,
  },
];
