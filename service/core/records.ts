/**
 * What the service stores. Each record keeps the request that created it (`spec`, validated against
 * protocol/rest) plus the state the service owns; `service/core/views.ts` turns records into the
 * Azure Batch shapes the REST API returns.
 */
import type { ApplicationPutParameter, PackageFormat } from "../../protocol/rest/application.js";
import type { FailureInfo } from "../../protocol/rest/common.js";
import type { JobAddParameter } from "../../protocol/rest/job.js";
import type { JobScheduleAddParameter } from "../../protocol/rest/jobSchedule.js";
import type {
  JobPreparationTaskExecutionInformation,
  JobReleaseTaskExecutionInformation,
} from "../../protocol/rest/jobTasks.js";
import type { StartTaskInformation } from "../../protocol/rest/node.js";
import type { AutoScaleRun, PoolAddParameter } from "../../protocol/rest/pool.js";
import type {
  DependencyAction,
  SubtaskState,
  TaskAddParameter,
  TaskTimeline,
} from "../../protocol/rest/task.js";
import type {
  AllocationState,
  CertificateFormat,
  CertificateState,
  JobScheduleState,
  JobState,
  NodeDeallocationOption,
  NodeState,
  PoolState,
  SchedulingState,
  TaskExecutionResult,
  TaskState,
} from "../../protocol/states.js";

/** Common bookkeeping: insertion order (for listing and paging) and a version for the ETag. */
export interface Versioned {
  seq: number;
  version: number;
  creationTime: string;
  lastModified: string;
}

/** The first version of a record created at `at`: what pools, jobs and tasks share when they are added. */
export function firstVersion<S, T extends string>(id: string, seq: number, spec: S, state: T, at: string) {
  return { id, seq, version: 1, creationTime: at, lastModified: at, spec, state, stateTransitionTime: at };
}

export interface PoolRecord extends Versioned {
  id: string;
  spec: PoolAddParameter;
  state: PoolState;
  stateTransitionTime: string;
  allocationState: AllocationState;
  allocationStateTransitionTime: string;
  targetDedicatedNodes: number;
  targetLowPriorityNodes: number;
  resizeTimeout: string;
  /** How nodes removed by the current resize give up their tasks. */
  nodeDeallocationOption: NodeDeallocationOption;
  resizeErrors?: { code: string; message: string }[];
  /** Agents present it when they register; it never leaves the service except to the provisioner. */
  joinToken: string;
  /** Counter for node ids (`tvmps_<pool>_<n>` style ids are stable across restarts). */
  nodeCounter: number;
  /**
   * The subnet of the pool's own local network (service/core/poolNetworks.ts): an inter-node pool
   * without a subnetId, on a service with the local provisioner.
   */
  ownNetwork?: string;
  /** Present while autoscale is enabled: the formula sets the targets every `evaluationInterval`. */
  autoScale?: {
    formula: string;
    evaluationInterval: string;
    run?: AutoScaleRun;
    /** When the last enableautoscale request was taken (Azure refuses another within 30 s). */
    lastEnableTime?: string;
  };
}

export interface NodeRecord {
  poolId: string;
  id: string;
  state: NodeState;
  schedulingState: SchedulingState;
  stateTransitionTime: string;
  allocationTime: string;
  lastBootTime?: string;
  ipAddress?: string;
  isDedicated: boolean;
  totalTasksRun: number;
  totalTasksSucceeded: number;
  startTaskInfo?: StartTaskInformation;
  /** Dispatch id of the start task run in flight, if any. */
  startTaskDispatchId?: string;
  errors?: { code: string; message: string }[];
  agentVersion?: string;
  agentLastUpdateTime?: string;
  /** The last runs that ended on the node, newest first (recentTasks.ts). */
  recentTasks?: RecentTaskRun[];
  /** A reboot was asked for: the node takes no task and reboots once its running tasks have ended. */
  rebootPending?: boolean;
  /** The pending reboot is a reimage: the node's directories are wiped. */
  reimagePending?: boolean;
  /** When the node was last reimaged: job preparation tasks that ran before then run again. */
  reimageTime?: string;
  /** Set when the node is being removed: how its running tasks are treated. */
  removal?: NodeDeallocationOption;
  /**
   * Provisioner-owned facts (for local nodes: the agent's pid, root directory and, on a virtual network,
   * its namespace; for cloud nodes: the instance that claimed the node, as its agent reported it).
   */
  machine: { rootDirectory: string; pid?: number; network?: NodeNetworkAttachment; machineId?: string };
}

/** One run that ended on a node, as its `recentTasks` shows it. */
export interface RecentTaskRun {
  jobId: string;
  taskId: string;
  startTime?: string;
  endTime?: string;
  exitCode?: number;
  retryCount: number;
  requeueCount: number;
  result?: "success" | "failure";
}

/** A local node on a virtual network with namespace isolation: where it lives and its address. */
export interface NodeNetworkAttachment {
  networkName: string;
  /** The node's network namespace; also the name of its veth's end on the bridge (15 characters at most). */
  namespace: string;
  /** Its `eth0` address in the network's subnet (kept, so that a restart reuses it). */
  address: string;
  /** The network's gateway: where the node reaches the service. */
  gateway: string;
}

/** A local virtual network (an OpenBatch extension). */
export interface VirtualNetworkRecord {
  name: string;
  addressPrefix: string;
  version: number;
  creationTime: string;
  lastModified: string;
}

export interface JobExecutionState {
  startTime: string;
  endTime?: string;
  poolId: string;
  terminateReason?: string;
}

type NodeTaskRun<T> = T & {
  /** The run in flight, while `state` is running. */
  dispatchId?: string;
};

/** A job's preparation and release tasks on one node. */
export interface JobNodeTaskState {
  poolId: string;
  nodeId: string;
  /** The node's lastBootTime when the preparation task last ran (to rerun it after a reboot). */
  bootTime?: string;
  preparation?: NodeTaskRun<JobPreparationTaskExecutionInformation>;
  release?: NodeTaskRun<JobReleaseTaskExecutionInformation>;
}

export interface JobRecord extends Versioned {
  id: string;
  spec: JobAddParameter;
  state: JobState;
  stateTransitionTime: string;
  previousState?: JobState;
  previousStateTransitionTime?: string;
  priority: number;
  executionInfo: JobExecutionState;
  /** Preparation and release tasks, by `pool/node`. */
  nodeTasks?: Record<string, JobNodeTaskState>;
  /** The schedule that created the job, if one did. */
  jobScheduleId?: string;
}

export interface JobScheduleExecutionState {
  /** When the next occurrence is due (ISO); while it waits for the active job it may be past. */
  nextRunTime?: string;
  recentJob?: { id: string };
  endTime?: string;
}

export interface JobScheduleRecord extends Versioned {
  id: string;
  spec: JobScheduleAddParameter;
  state: JobScheduleState;
  stateTransitionTime: string;
  previousState?: JobScheduleState;
  previousStateTransitionTime?: string;
  executionInfo: JobScheduleExecutionState;
  /** Jobs created so far: the next job's number is one more. */
  jobCount: number;
  /** Due time (ISO) of the last occurrence handled (a job created or the occurrence skipped). */
  lastDueTime?: string;
}

export interface TaskExecutionState {
  startTime?: string;
  endTime?: string;
  exitCode?: number;
  failureInfo?: FailureInfo;
  retryCount: number;
  lastRetryTime?: string;
  requeueCount: number;
  lastRequeueTime?: string;
  result?: TaskExecutionResult;
}

export interface TaskRecord extends Versioned {
  jobId: string;
  id: string;
  spec: TaskAddParameter;
  state: TaskState;
  stateTransitionTime: string;
  previousState?: TaskState;
  previousStateTransitionTime?: string;
  executionInfo: TaskExecutionState;
  /** Where the current or last run is/was. */
  node?: { poolId: string; nodeId: string };
  /** The run in flight: an agent report naming another dispatch is stale and ignored. */
  dispatchId?: string;
  /** A terminate was requested while it was running; the completion records it as ended by the user. */
  terminateRequested?: boolean;
  /** The job's job manager task: when it completes, the job is terminated unless told otherwise. */
  jobManager?: { killJobOnCompletion: boolean };
  /** Slots it takes instead of `requiredSlots`: a whole node for a job manager that runs exclusive. */
  reservedSlots?: number;
  /** Set when it completes: whether the tasks depending on it may run (from its exitConditions). */
  dependencyAction?: DependencyAction;
  /** Accepted, dispatched, received, spawned: for latency breakdowns (an OpenBatch extension). */
  timeline?: TaskTimeline;
  /** A multi-instance task's current (or last) run on its nodes (service/core/multiInstance.ts). */
  multiInstance?: MultiInstanceRun;
}

/** The instances of a multi-instance task's run, by instance number (0 is the primary). */
export interface MultiInstanceRun {
  instances: InstanceRun[];
  /** Why the run failed, when an instance other than the primary's application command failed it. */
  failure?: FailureInfo;
  /** The instance that failed the run (its exit code becomes the task's). */
  failedInstance?: number;
  /** The run is over: instances still reporting are being cleaned up. */
  ended?: boolean;
}

export interface InstanceRun {
  poolId: string;
  nodeId: string;
  dispatchId: string;
  state: SubtaskState;
  stateTransitionTime: string;
  previousState?: SubtaskState;
  previousStateTransitionTime?: string;
  /** Its coordination command has succeeded. */
  coordinated?: boolean;
  startTime?: string;
  endTime?: string;
  exitCode?: number;
  failureInfo?: FailureInfo;
  result?: TaskExecutionResult;
}

/**
 * A certificate of the account. `data` (the file, base64) and `password` are secrets: only nodes of
 * pools that reference the certificate get them; views show `publicData` alone.
 */
export interface CertificateRecord extends Versioned {
  /** Normalized: lower-case hex, no spaces. */
  thumbprint: string;
  thumbprintAlgorithm: "sha1";
  format: CertificateFormat;
  data: string;
  password?: string;
  /** The public certificate, DER, base64 (Azure's `publicData`). */
  publicData: string;
  state: CertificateState;
  stateTransitionTime: string;
  previousState?: CertificateState;
  previousStateTransitionTime?: string;
}

export function taskKey(jobId: string, taskId: string): string {
  return `${jobId}/${taskId}`;
}

/** An application (OpenBatch extension; ARM's Application in Azure). */
export interface ApplicationRecord {
  id: string;
  settings: ApplicationPutParameter & { allowUpdates: boolean };
  version: number;
  lastModified: string;
}

/** One uploaded version; its archive is `<data-dir>/applications/<applicationId>/<version>.<format>`. */
export interface ApplicationPackageRecord {
  applicationId: string;
  version: string;
  format: PackageFormat;
  sha256: string;
  size: number;
  lastActivationTime: string;
}
