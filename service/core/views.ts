/** Records → the Azure Batch shapes the REST API returns (protocol/rest). */

import { formatDuration } from "../../protocol/duration.js";
import { addressAt, parseNetworkPrefix } from "../../protocol/ipv4Cidr.js";
import type { Certificate } from "../../protocol/rest/certificate.js";
import type { Job, JobStatistics } from "../../protocol/rest/job.js";
import type { JobSchedule } from "../../protocol/rest/jobSchedule.js";
import type { ComputeNode } from "../../protocol/rest/node.js";
import type { Pool } from "../../protocol/rest/pool.js";
import type { Task, TaskStatistics } from "../../protocol/rest/task.js";
import { withoutSecrets } from "../../protocol/rest/taskFiles.js";
import {
  type NetworkIsolationInfo,
  subnetIdOf,
  VIRTUAL_NETWORKS_PATH,
  type VirtualNetwork,
} from "../../protocol/rest/virtualNetwork.js";
import type { JobRunTotals, TaskStateCounts } from "./jobTaskCounts.js";
import type {
  CertificateRecord,
  JobRecord,
  JobScheduleRecord,
  NodeRecord,
  PoolRecord,
  TaskRecord,
  VirtualNetworkRecord,
} from "./records.js";

export function eTag(version: number): string {
  return `0x8D${version.toString(16).toUpperCase().padStart(13, "0")}`;
}

export function poolUrl(endpoint: string, poolId: string): string {
  return `${endpoint}/pools/${poolId}`;
}
export function nodeUrl(endpoint: string, poolId: string, nodeId: string): string {
  return `${poolUrl(endpoint, poolId)}/nodes/${nodeId}`;
}
/** Azure's address of a certificate: `/certificates(thumbprintAlgorithm=sha1,thumbprint=<hex>)`. */
export function certificateUrl(endpoint: string, thumbprint: string): string {
  return `${endpoint}/certificates(thumbprintAlgorithm=sha1,thumbprint=${thumbprint})`;
}
export function jobUrl(endpoint: string, jobId: string): string {
  return `${endpoint}/jobs/${jobId}`;
}
export function jobScheduleUrl(endpoint: string, jobScheduleId: string): string {
  return `${endpoint}/jobschedules/${jobScheduleId}`;
}
export function taskUrl(endpoint: string, jobId: string, taskId: string): string {
  return `${jobUrl(endpoint, jobId)}/tasks/${taskId}`;
}
/** Azure's task directory on a node, relative to the node root. */
export function taskDirectory(jobId: string, taskId: string): string {
  return `workitems/${jobId}/job-1/${taskId}`;
}

export function poolView(endpoint: string, pool: PoolRecord, nodes: NodeRecord[]): Pool {
  const { spec } = pool;
  const live = nodes.filter((n) => n.state !== "leavingpool");
  return {
    id: pool.id,
    displayName: spec.displayName,
    url: poolUrl(endpoint, pool.id),
    eTag: eTag(pool.version),
    lastModified: pool.lastModified,
    creationTime: pool.creationTime,
    state: pool.state,
    stateTransitionTime: pool.stateTransitionTime,
    allocationState: pool.allocationState,
    allocationStateTransitionTime: pool.allocationStateTransitionTime,
    vmSize: spec.vmSize,
    virtualMachineConfiguration: spec.virtualMachineConfiguration,
    resizeTimeout: pool.resizeTimeout,
    resizeErrors: pool.resizeErrors,
    currentDedicatedNodes: live.filter((n) => n.isDedicated).length,
    currentLowPriorityNodes: live.filter((n) => !n.isDedicated).length,
    targetDedicatedNodes: pool.targetDedicatedNodes,
    targetLowPriorityNodes: pool.targetLowPriorityNodes,
    enableAutoScale: pool.autoScale !== undefined,
    autoScaleFormula: pool.autoScale?.formula,
    autoScaleEvaluationInterval: pool.autoScale?.evaluationInterval,
    autoScaleRun: pool.autoScale?.run,
    enableInterNodeCommunication: spec.enableInterNodeCommunication ?? false,
    startTask: spec.startTask,
    certificateReferences: spec.certificateReferences,
    taskSlotsPerNode: spec.taskSlotsPerNode ?? 1,
    taskSchedulingPolicy: spec.taskSchedulingPolicy ?? { nodeFillType: "spread" },
    metadata: spec.metadata,
    applicationPackageReferences: spec.applicationPackageReferences,
    networkConfiguration: spec.networkConfiguration,
  };
}

export function virtualNetworkView(
  endpoint: string,
  network: VirtualNetworkRecord,
  isolation: NetworkIsolationInfo,
  poolIds: string[],
): VirtualNetwork {
  const cidr = parseNetworkPrefix(network.addressPrefix);
  return {
    name: network.name,
    url: `${endpoint}${VIRTUAL_NETWORKS_PATH}/${network.name}`,
    eTag: eTag(network.version),
    creationTime: network.creationTime,
    lastModified: network.lastModified,
    addressPrefix: network.addressPrefix,
    subnetId: subnetIdOf(network.name),
    gatewayAddress: "problem" in cidr ? "" : addressAt(cidr, 1),
    isolation: isolation.isolation,
    isolationReason: isolation.reason,
    poolIds,
  };
}

export function nodeView(
  endpoint: string,
  pool: PoolRecord,
  node: NodeRecord,
  running: { tasks: number; slots: number },
  recentTasks?: ComputeNode["recentTasks"],
): ComputeNode {
  return {
    id: node.id,
    url: nodeUrl(endpoint, node.poolId, node.id),
    state: node.state,
    schedulingState: node.schedulingState,
    stateTransitionTime: node.stateTransitionTime,
    lastBootTime: node.lastBootTime,
    allocationTime: node.allocationTime,
    ipAddress: node.ipAddress,
    affinityId: `TVM:${node.poolId}:${node.id}`,
    vmSize: pool.spec.vmSize,
    totalTasksRun: node.totalTasksRun,
    runningTasksCount: running.tasks,
    runningTaskSlotsCount: running.slots,
    totalTasksSucceeded: node.totalTasksSucceeded,
    recentTasks,
    startTask: pool.spec.startTask,
    startTaskInfo: node.startTaskInfo,
    errors: node.errors?.map((e) => ({ code: e.code, message: e.message })),
    isDedicated: node.isDedicated,
    nodeAgentInfo: {
      version: node.agentVersion ?? "unknown",
      lastUpdateTime: node.agentLastUpdateTime ?? node.allocationTime,
    },
  };
}

export function jobView(endpoint: string, job: JobRecord): Job {
  const { spec } = job;
  return {
    id: job.id,
    displayName: spec.displayName,
    url: jobUrl(endpoint, job.id),
    eTag: eTag(job.version),
    lastModified: job.lastModified,
    creationTime: job.creationTime,
    state: job.state,
    stateTransitionTime: job.stateTransitionTime,
    previousState: job.previousState,
    previousStateTransitionTime: job.previousStateTransitionTime,
    priority: job.priority,
    maxParallelTasks: spec.maxParallelTasks ?? -1,
    constraints: {
      maxWallClockTime: spec.constraints?.maxWallClockTime,
      maxTaskRetryCount: spec.constraints?.maxTaskRetryCount ?? 0,
    },
    commonEnvironmentSettings: spec.commonEnvironmentSettings,
    poolInfo: spec.poolInfo,
    onAllTasksComplete: spec.onAllTasksComplete ?? "noaction",
    onTaskFailure: spec.onTaskFailure ?? "noaction",
    usesTaskDependencies: spec.usesTaskDependencies ?? false,
    jobManagerTask: spec.jobManagerTask && {
      ...spec.jobManagerTask,
      outputFiles: withoutSecrets(spec.jobManagerTask.outputFiles),
    },
    jobPreparationTask: spec.jobPreparationTask,
    jobReleaseTask: spec.jobReleaseTask,
    metadata: spec.metadata,
    executionInfo: job.executionInfo,
  };
}

export function jobScheduleView(endpoint: string, schedule: JobScheduleRecord): JobSchedule {
  const { spec, executionInfo } = schedule;
  const recent = executionInfo.recentJob;
  return {
    id: schedule.id,
    displayName: spec.displayName,
    url: jobScheduleUrl(endpoint, schedule.id),
    eTag: eTag(schedule.version),
    lastModified: schedule.lastModified,
    creationTime: schedule.creationTime,
    state: schedule.state,
    stateTransitionTime: schedule.stateTransitionTime,
    previousState: schedule.previousState,
    previousStateTransitionTime: schedule.previousStateTransitionTime,
    schedule: spec.schedule,
    jobSpecification: spec.jobSpecification,
    executionInfo: {
      nextRunTime: executionInfo.nextRunTime,
      recentJob: recent && { id: recent.id, url: jobUrl(endpoint, recent.id) },
      endTime: executionInfo.endTime,
    },
    metadata: spec.metadata,
  };
}

/** How long a node keeps a completed task's directory unless its constraints say otherwise (Azure: 7 days). */
export const DEFAULT_TASK_RETENTION = "P7D";

export function taskView(endpoint: string, task: TaskRecord): Task {
  const { spec } = task;
  const view: Task = {
    id: task.id,
    displayName: spec.displayName,
    url: taskUrl(endpoint, task.jobId, task.id),
    eTag: eTag(task.version),
    lastModified: task.lastModified,
    creationTime: task.creationTime,
    state: task.state,
    stateTransitionTime: task.stateTransitionTime,
    previousState: task.previousState,
    previousStateTransitionTime: task.previousStateTransitionTime,
    commandLine: spec.commandLine,
    environmentSettings: spec.environmentSettings,
    constraints: {
      maxWallClockTime: spec.constraints?.maxWallClockTime,
      retentionTime: spec.constraints?.retentionTime ?? DEFAULT_TASK_RETENTION,
      maxTaskRetryCount: spec.constraints?.maxTaskRetryCount ?? 0,
    },
    requiredSlots: spec.requiredSlots ?? 1,
    exitConditions: spec.exitConditions,
    dependsOn: spec.dependsOn,
    resourceFiles: spec.resourceFiles,
    outputFiles: withoutSecrets(spec.outputFiles),
    applicationPackageReferences: spec.applicationPackageReferences,
    multiInstanceSettings: spec.multiInstanceSettings && {
      ...spec.multiInstanceSettings,
      numberOfInstances: spec.multiInstanceSettings.numberOfInstances ?? 1,
    },
    executionInfo: task.executionInfo,
  };
  if (task.node) view.nodeInfo = taskNodeInfo(endpoint, task, task.node.poolId, task.node.nodeId);
  return view;
}

/** Where a task (or one instance of a multi-instance task) runs or ran, as Azure's ComputeNodeInformation. */
export function taskNodeInfo(
  endpoint: string,
  task: TaskRecord,
  poolId: string,
  nodeId: string,
): NonNullable<Task["nodeInfo"]> {
  const url = nodeUrl(endpoint, poolId, nodeId);
  const dir = taskDirectory(task.jobId, task.id);
  return {
    affinityId: `TVM:${poolId}:${nodeId}`,
    nodeUrl: url,
    poolId,
    nodeId,
    taskRootDirectory: dir,
    taskRootDirectoryUrl: `${url}/files/${dir}`,
  };
}

/**
 * `$expand=stats` of a job (or of a job schedule, over all its jobs): the completed tasks' totals and
 * outcome counts. `url` and `startTime` are the job's or the schedule's.
 */
export function jobStatsView(
  url: string,
  startTime: string,
  counts: TaskStateCounts,
  totals: JobRunTotals,
): JobStatistics {
  return {
    url,
    startTime,
    lastUpdateTime: new Date().toISOString(),
    wallClockTime: formatDuration(totals.wallClockMs),
    waitTime: formatDuration(totals.waitMs),
    numSucceededTasks: counts.completed,
    numFailedTasks: counts.failed,
    numTaskRetries: totals.retries,
  };
}

/** `$expand=stats` of a task: its last run's wall clock time (so far, while it runs) and wait. */
export function taskStatsView(endpoint: string, task: TaskRecord): TaskStatistics {
  const at = new Date().toISOString();
  const { startTime, endTime } = task.executionInfo;
  const started = task.state === "running" || task.state === "completed" ? startTime : undefined;
  return {
    url: taskUrl(endpoint, task.jobId, task.id),
    startTime: task.creationTime,
    lastUpdateTime: at,
    wallClockTime: formatDuration(started ? Date.parse(endTime ?? at) - Date.parse(started) : 0),
    waitTime: formatDuration(Date.parse(started ?? at) - Date.parse(task.creationTime)),
  };
}

/** The certificate's public part: its data and password never leave the service this way. */
export function certificateView(endpoint: string, certificate: CertificateRecord): Certificate {
  return {
    thumbprint: certificate.thumbprint,
    thumbprintAlgorithm: certificate.thumbprintAlgorithm,
    url: certificateUrl(endpoint, certificate.thumbprint),
    state: certificate.state,
    stateTransitionTime: certificate.stateTransitionTime,
    previousState: certificate.previousState,
    previousStateTransitionTime: certificate.previousStateTransitionTime,
    publicData: certificate.publicData,
  };
}
