import Type, { type Static } from "typebox";
import {
  nodeDeallocationOptions,
  nodeStates,
  schedulingStates,
  startTaskStates,
  taskExecutionResults,
  taskStates,
} from "../states.js";
import { Duration, FailureInfo, literalUnion, NameValuePair, strict, Timestamp } from "./common.js";
import { StartTask } from "./pool.js";

export const StartTaskInformation = Type.Object({
  state: literalUnion(startTaskStates),
  startTime: Timestamp,
  endTime: Type.Optional(Timestamp),
  exitCode: Type.Optional(Type.Integer()),
  failureInfo: Type.Optional(FailureInfo),
  retryCount: Type.Integer(),
  lastRetryTime: Type.Optional(Timestamp),
  result: Type.Optional(literalUnion(taskExecutionResults)),
});
export type StartTaskInformation = Static<typeof StartTaskInformation>;

export const TaskInformation = Type.Object({
  taskUrl: Type.String(),
  jobId: Type.String(),
  taskId: Type.String(),
  subtaskId: Type.Optional(Type.Integer()),
  taskState: literalUnion(taskStates),
  executionInfo: Type.Optional(
    Type.Object({
      startTime: Type.Optional(Timestamp),
      endTime: Type.Optional(Timestamp),
      exitCode: Type.Optional(Type.Integer()),
      retryCount: Type.Integer(),
      requeueCount: Type.Integer(),
      result: Type.Optional(literalUnion(taskExecutionResults)),
    }),
  ),
});
export type TaskInformation = Static<typeof TaskInformation>;

export const ComputeNodeError = Type.Object({
  code: Type.String(),
  message: Type.String(),
  errorDetails: Type.Optional(Type.Array(NameValuePair)),
});
export type ComputeNodeError = Static<typeof ComputeNodeError>;

/** A compute node as `GET /pools/{poolId}/nodes/{nodeId}` returns it. */
export const ComputeNode = Type.Object({
  id: Type.String(),
  url: Type.String(),
  state: literalUnion(nodeStates),
  schedulingState: literalUnion(schedulingStates),
  stateTransitionTime: Timestamp,
  lastBootTime: Type.Optional(Timestamp),
  allocationTime: Timestamp,
  ipAddress: Type.Optional(Type.String()),
  affinityId: Type.String(),
  vmSize: Type.String(),
  totalTasksRun: Type.Integer(),
  runningTasksCount: Type.Integer(),
  runningTaskSlotsCount: Type.Integer(),
  totalTasksSucceeded: Type.Integer(),
  recentTasks: Type.Optional(Type.Array(TaskInformation)),
  startTask: Type.Optional(StartTask),
  startTaskInfo: Type.Optional(StartTaskInformation),
  errors: Type.Optional(Type.Array(ComputeNodeError)),
  isDedicated: Type.Boolean(),
  nodeAgentInfo: Type.Object({ version: Type.String(), lastUpdateTime: Timestamp }),
});
export type ComputeNode = Static<typeof ComputeNode>;

/** A file or directory on a node, as the files lists return it. */
export const NodeFile = Type.Object({
  name: Type.String(),
  url: Type.String(),
  isDirectory: Type.Boolean(),
  properties: Type.Optional(
    Type.Object({
      creationTime: Type.Optional(Timestamp),
      lastModified: Timestamp,
      contentLength: Type.Integer(),
      contentType: Type.String(),
      fileMode: Type.Optional(Type.String()),
    }),
  ),
});
export type NodeFile = Static<typeof NodeFile>;

export const nodeRebootOptions = ["requeue", "terminate", "taskcompletion", "retaineddata"] as const;

/**
 * Body of `POST /pools/{poolId}/nodes/{nodeId}/reboot` (optional): what happens to the node's running
 * tasks — `requeue` (default: killed and queued again), `terminate` (killed, completed as failed),
 * `taskcompletion` / `retaineddata` (the node takes no new task and reboots once they have ended).
 */
export const NodeRebootParameter = Type.Object(
  { nodeRebootOption: Type.Optional(literalUnion(nodeRebootOptions)) },
  strict,
);
export type NodeRebootParameter = Static<typeof NodeRebootParameter>;
export type NodeRebootOption = (typeof nodeRebootOptions)[number];

export const nodeReimageOptions = nodeRebootOptions;
export type NodeReimageOption = NodeRebootOption;

/**
 * Body of `POST /pools/{poolId}/nodes/{nodeId}/reimage` (optional): what happens to the node's running
 * tasks, as for a reboot; the node's directories are wiped either way.
 */
export const NodeReimageParameter = Type.Object(
  { nodeReimageOption: Type.Optional(literalUnion(nodeReimageOptions)) },
  strict,
);
export type NodeReimageParameter = Static<typeof NodeReimageParameter>;

export const nodeDisableSchedulingOptions = ["requeue", "terminate", "taskcompletion"] as const;
export type NodeDisableSchedulingOption = (typeof nodeDisableSchedulingOptions)[number];

/**
 * Body of `POST /pools/{poolId}/nodes/{nodeId}/disablescheduling` (optional): what happens to the
 * node's running tasks — `requeue` (default), `terminate`, or `taskcompletion` (left to finish).
 */
export const NodeDisableSchedulingParameter = Type.Object(
  { nodeDisableSchedulingOption: Type.Optional(literalUnion(nodeDisableSchedulingOptions)) },
  strict,
);
export type NodeDisableSchedulingParameter = Static<typeof NodeDisableSchedulingParameter>;

/** Azure's limit on the nodes one `removenodes` request names. */
export const MAX_NODES_PER_REMOVAL = 100;

/** Body of `POST /pools/{poolId}/removenodes`: these nodes leave, and the pool's targets drop by as many. */
export const NodeRemoveParameter = Type.Object(
  {
    nodeList: Type.Array(Type.String(), { minItems: 1, maxItems: MAX_NODES_PER_REMOVAL }),
    resizeTimeout: Type.Optional(Duration),
    nodeDeallocationOption: Type.Optional(literalUnion(nodeDeallocationOptions)),
  },
  strict,
);
export type NodeRemoveParameter = Static<typeof NodeRemoveParameter>;

/**
 * Body of `POST /pools/{poolId}/nodes/{nodeId}/uploadbatchservicelogs`: the node's agent uploads its
 * own log files (not the tasks' output) that hold entries between `startTime` and `endTime` to a
 * container. Without `containerUrl` (an OpenBatch extension: Azure requires it) they go to the
 * container `batch-service-logs` of the account's own file store.
 */
export const UploadBatchServiceLogsConfiguration = Type.Object(
  {
    containerUrl: Type.Optional(Type.String({ minLength: 1 })),
    startTime: Timestamp,
    endTime: Type.Optional(Timestamp),
    identityReference: Type.Optional(Type.Object({ resourceId: Type.Optional(Type.String()) })),
  },
  strict,
);
export type UploadBatchServiceLogsConfiguration = Static<typeof UploadBatchServiceLogsConfiguration>;

/** What `uploadbatchservicelogs` answers: where the files went and how many there were. */
export const UploadBatchServiceLogsResult = Type.Object({
  virtualDirectoryName: Type.String(),
  numberOfFilesUploaded: Type.Integer(),
});
export type UploadBatchServiceLogsResult = Static<typeof UploadBatchServiceLogsResult>;
