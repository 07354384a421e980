import Type, { type Static } from "typebox";
import { taskExecutionResults, taskStates } from "../states.js";
import {
  DisplayName,
  Duration,
  EnvironmentSetting,
  FailureInfo,
  Id,
  literalUnion,
  resourceProperties,
  strict,
  Timestamp,
} from "./common.js";
import { OutputFile, ResourceFile } from "./taskFiles.js";

export const TaskConstraints = Type.Object(
  {
    maxWallClockTime: Type.Optional(Duration),
    maxTaskRetryCount: Type.Optional(Type.Integer({ minimum: -1 })),
  },
  strict,
);

/** Body of `POST /jobs/{jobId}/tasks` and one entry of `addtaskcollection`. */
export const TaskAddParameter = Type.Object(
  {
    id: Id,
    displayName: Type.Optional(DisplayName),
    commandLine: Type.String({ minLength: 1, maxLength: 32768 }),
    environmentSettings: Type.Optional(Type.Array(EnvironmentSetting)),
    constraints: Type.Optional(TaskConstraints),
    requiredSlots: Type.Optional(Type.Integer({ minimum: 1 })),
    resourceFiles: Type.Optional(Type.Array(ResourceFile)),
    outputFiles: Type.Optional(Type.Array(OutputFile)),
  },
  strict,
);
export type TaskAddParameter = Static<typeof TaskAddParameter>;

export const MAX_TASKS_PER_COLLECTION = 100;

/** Body of `POST /jobs/{jobId}/addtaskcollection`. */
export const TaskAddCollectionParameter = Type.Object(
  { value: Type.Array(TaskAddParameter, { minItems: 1 }) },
  strict,
);
export type TaskAddCollectionParameter = Static<typeof TaskAddCollectionParameter>;

export const TaskAddResult = Type.Object({
  status: literalUnion(["success", "clienterror", "servererror"] as const),
  taskId: Type.String(),
  eTag: Type.Optional(Type.String()),
  lastModified: Type.Optional(Timestamp),
  location: Type.Optional(Type.String()),
  error: Type.Optional(
    Type.Object({
      code: Type.String(),
      message: Type.Object({ lang: Type.String(), value: Type.String() }),
      values: Type.Optional(Type.Array(Type.Object({ key: Type.String(), value: Type.String() }))),
    }),
  ),
});
export type TaskAddResult = Static<typeof TaskAddResult>;

export const TaskExecutionInformation = Type.Object({
  startTime: Type.Optional(Timestamp),
  endTime: Type.Optional(Timestamp),
  exitCode: Type.Optional(Type.Integer()),
  failureInfo: Type.Optional(FailureInfo),
  retryCount: Type.Integer(),
  lastRetryTime: Type.Optional(Timestamp),
  requeueCount: Type.Integer(),
  lastRequeueTime: Type.Optional(Timestamp),
  result: Type.Optional(literalUnion(taskExecutionResults)),
});
export type TaskExecutionInformation = Static<typeof TaskExecutionInformation>;

export const ComputeNodeInformation = Type.Object({
  affinityId: Type.String(),
  nodeUrl: Type.String(),
  poolId: Type.String(),
  nodeId: Type.String(),
  taskRootDirectory: Type.String(),
  taskRootDirectoryUrl: Type.String(),
});

/** A task as `GET /jobs/{jobId}/tasks/{taskId}` returns it. */
export const Task = Type.Object({
  ...resourceProperties(literalUnion(taskStates)),
  previousState: Type.Optional(literalUnion(taskStates)),
  previousStateTransitionTime: Type.Optional(Timestamp),
  commandLine: Type.String(),
  environmentSettings: Type.Optional(Type.Array(EnvironmentSetting)),
  constraints: Type.Object({
    maxWallClockTime: Type.Optional(Type.String()),
    maxTaskRetryCount: Type.Integer(),
  }),
  requiredSlots: Type.Integer(),
  resourceFiles: Type.Optional(Type.Array(ResourceFile)),
  outputFiles: Type.Optional(Type.Array(OutputFile)),
  executionInfo: Type.Optional(TaskExecutionInformation),
  nodeInfo: Type.Optional(ComputeNodeInformation),
});
export type Task = Static<typeof Task>;

/**
 * OpenBatch extension (`GET /openbatch/jobs/{jobId}/tasks/{taskId}/timeline`): when the request
 * adding the task reached the service and, for its latest run, when the service sent the dispatch,
 * the agent received it, and the process was running — epoch milliseconds with sub-millisecond precision, one machine's clock.
 */
export const TaskTimeline = Type.Object({
  addedAt: Type.Number(),
  dispatchedAt: Type.Optional(Type.Number()),
  receivedAt: Type.Optional(Type.Number()),
  spawnedAt: Type.Optional(Type.Number()),
});
export type TaskTimeline = Static<typeof TaskTimeline>;
