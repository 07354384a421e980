import Type, { type Static } from "typebox";
import { taskExecutionResults, taskStates } from "../states.js";
import { ApplicationPackageReference } from "./application.js";
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
    /** How long the node keeps the task's directory after the task completes (default P7D). */
    retentionTime: Type.Optional(Duration),
    maxTaskRetryCount: Type.Optional(Type.Integer({ minimum: -1 })),
  },
  strict,
);

/** Body of `PUT /jobs/{jobId}/tasks/{taskId}`: new constraints, for the task's next runs. */
export const TaskUpdateParameter = Type.Object({ constraints: Type.Optional(TaskConstraints) }, strict);
export type TaskUpdateParameter = Static<typeof TaskUpdateParameter>;

export const jobActions = ["none", "disable", "terminate"] as const;
export const dependencyActions = ["satisfy", "block"] as const;
export type DependencyAction = (typeof dependencyActions)[number];
export type JobAction = (typeof jobActions)[number];

/**
 * What follows a task's completion. `jobAction` (needs the job's `onTaskFailure` to be
 * `performexitoptionsjobaction`): default `none` for exit code 0, `terminate` otherwise; `disable`
 * disables the job with its running tasks requeued. `dependencyAction`: whether the tasks that depend
 * on this one may run — default `satisfy` for exit code 0, `block` otherwise.
 */
export const ExitOptions = Type.Object(
  {
    jobAction: Type.Optional(literalUnion(jobActions)),
    dependencyAction: Type.Optional(literalUnion(dependencyActions)),
  },
  strict,
);
export type ExitOptions = Static<typeof ExitOptions>;

export const ExitCodeMapping = Type.Object({ code: Type.Integer(), exitOptions: ExitOptions }, strict);
export const ExitCodeRangeMapping = Type.Object(
  { start: Type.Integer(), end: Type.Integer(), exitOptions: ExitOptions },
  strict,
);

/**
 * Which exit options apply: the first of `exitCodes`, then of `exitCodeRanges` (inclusive) that matches
 * the exit code; `preProcessingError` when the resource files could not be fetched; `fileUploadError`
 * when the output files could not be uploaded (an exit code listed above takes precedence); otherwise
 * `default` (for a failure) or the defaults of ExitOptions.
 */
export const ExitConditions = Type.Object(
  {
    exitCodes: Type.Optional(Type.Array(ExitCodeMapping)),
    exitCodeRanges: Type.Optional(Type.Array(ExitCodeRangeMapping)),
    preProcessingError: Type.Optional(ExitOptions),
    fileUploadError: Type.Optional(ExitOptions),
    default: Type.Optional(ExitOptions),
  },
  strict,
);
export type ExitConditions = Static<typeof ExitConditions>;

export const TaskIdRange = Type.Object({ start: Type.Integer(), end: Type.Integer() }, strict);
export type TaskIdRange = Static<typeof TaskIdRange>;

/**
 * Tasks that must complete (and be satisfied, see ExitOptions.dependencyAction) before this one runs:
 * ids, and inclusive ranges of integer ids (`{start: 1, end: 3}` is tasks "1", "2" and "3"). The job
 * must have `usesTaskDependencies`. A task named that does not exist yet is waited for.
 */
export const TaskDependencies = Type.Object(
  {
    taskIds: Type.Optional(Type.Array(Id)),
    taskIdRanges: Type.Optional(Type.Array(TaskIdRange)),
  },
  strict,
);
export type TaskDependencies = Static<typeof TaskDependencies>;

/**
 * A multi-instance task (MPI): it runs on `numberOfInstances` nodes at once, in pools with
 * `enableInterNodeCommunication`. Every node downloads `commonResourceFiles` into the task directory
 * (`AZ_BATCH_TASK_SHARED_DIR`) and runs `coordinationCommandLine`; once all have succeeded, the primary
 * runs the task's `commandLine`, and the task completes when it does.
 */
export const MultiInstanceSettings = Type.Object(
  {
    numberOfInstances: Type.Optional(Type.Integer({ minimum: 1 })),
    coordinationCommandLine: Type.String({ maxLength: 32768 }),
    commonResourceFiles: Type.Optional(Type.Array(ResourceFile)),
  },
  strict,
);
export type MultiInstanceSettings = Static<typeof MultiInstanceSettings>;

/** Body of `POST /jobs/{jobId}/tasks` and one entry of `addtaskcollection`. */
export const TaskAddParameter = Type.Object(
  {
    id: Id,
    displayName: Type.Optional(DisplayName),
    commandLine: Type.String({ minLength: 1, maxLength: 32768 }),
    environmentSettings: Type.Optional(Type.Array(EnvironmentSetting)),
    constraints: Type.Optional(TaskConstraints),
    requiredSlots: Type.Optional(Type.Integer({ minimum: 1 })),
    exitConditions: Type.Optional(ExitConditions),
    dependsOn: Type.Optional(TaskDependencies),
    resourceFiles: Type.Optional(Type.Array(ResourceFile)),
    outputFiles: Type.Optional(Type.Array(OutputFile)),
    /** Installed on the node (once per node) before the command runs. */
    applicationPackageReferences: Type.Optional(Type.Array(ApplicationPackageReference)),
    multiInstanceSettings: Type.Optional(MultiInstanceSettings),
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

/**
 * `$expand=stats`: what the service measures of a task's last run. (CPU and I/O figures, which Azure
 * also reports, are not measured yet and are absent.)
 */
export const TaskStatistics = Type.Object({
  url: Type.String(),
  startTime: Timestamp,
  lastUpdateTime: Timestamp,
  /** From the start to the end of its last run (or to now, while it runs). */
  wallClockTime: Type.String(),
  /** From the task's creation to the start of its last run. */
  waitTime: Type.String(),
});
export type TaskStatistics = Static<typeof TaskStatistics>;

/** A task as `GET /jobs/{jobId}/tasks/{taskId}` returns it. */
export const Task = Type.Object({
  ...resourceProperties(literalUnion(taskStates)),
  previousState: Type.Optional(literalUnion(taskStates)),
  previousStateTransitionTime: Type.Optional(Timestamp),
  commandLine: Type.String(),
  environmentSettings: Type.Optional(Type.Array(EnvironmentSetting)),
  constraints: Type.Object({
    maxWallClockTime: Type.Optional(Type.String()),
    retentionTime: Type.String(),
    maxTaskRetryCount: Type.Integer(),
  }),
  requiredSlots: Type.Integer(),
  exitConditions: Type.Optional(ExitConditions),
  dependsOn: Type.Optional(TaskDependencies),
  resourceFiles: Type.Optional(Type.Array(ResourceFile)),
  outputFiles: Type.Optional(Type.Array(OutputFile)),
  applicationPackageReferences: Type.Optional(Type.Array(ApplicationPackageReference)),
  multiInstanceSettings: Type.Optional(MultiInstanceSettings),
  executionInfo: Type.Optional(TaskExecutionInformation),
  nodeInfo: Type.Optional(ComputeNodeInformation),
  stats: Type.Optional(TaskStatistics),
});
export type Task = Static<typeof Task>;

export const subtaskStates = ["preparing", "running", "completed"] as const;
export type SubtaskState = (typeof subtaskStates)[number];

/** One subtask of a multi-instance task (ids 1 to numberOfInstances - 1; the primary is the task itself). */
export const SubtaskInformation = Type.Object({
  id: Type.Integer(),
  nodeInfo: Type.Optional(ComputeNodeInformation),
  startTime: Type.Optional(Timestamp),
  endTime: Type.Optional(Timestamp),
  exitCode: Type.Optional(Type.Integer()),
  failureInfo: Type.Optional(FailureInfo),
  state: Type.Optional(literalUnion(subtaskStates)),
  stateTransitionTime: Type.Optional(Timestamp),
  previousState: Type.Optional(literalUnion(subtaskStates)),
  previousStateTransitionTime: Type.Optional(Timestamp),
  result: Type.Optional(literalUnion(taskExecutionResults)),
});
export type SubtaskInformation = Static<typeof SubtaskInformation>;

/** Body of `GET /jobs/{jobId}/tasks/{taskId}/subtasksinfo` (Azure's CloudTaskListSubtasksResult). */
export const CloudTaskListSubtasksResult = Type.Object({ value: Type.Array(SubtaskInformation) });
export type CloudTaskListSubtasksResult = Static<typeof CloudTaskListSubtasksResult>;

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
