import Type, { type Static } from "typebox";
import { jobStates } from "../states.js";
import {
  DisplayName,
  Duration,
  EnvironmentSetting,
  Id,
  literalUnion,
  MetadataItem,
  resourceProperties,
  strict,
  Timestamp,
} from "./common.js";
import { JobManagerTask, JobPreparationTask, JobReleaseTask } from "./jobTasks.js";

export const JobConstraints = Type.Object(
  {
    /** The job is terminated (terminateReason `MaxWallClockTimeExpiry`) this long after it was created. */
    maxWallClockTime: Type.Optional(Duration),
    maxTaskRetryCount: Type.Optional(Type.Integer({ minimum: -1 })),
  },
  strict,
);

export const PoolInformation = Type.Object({ poolId: Id }, strict);

export const onAllTasksCompleteValues = ["noaction", "terminatejob"] as const;
/** `performexitoptionsjobaction`: a failed task's `exitConditions` decide what happens to the job. */
export const onTaskFailureValues = ["noaction", "performexitoptionsjobaction"] as const;

/** Body of `POST /jobs`. */
export const JobAddParameter = Type.Object(
  {
    id: Id,
    displayName: Type.Optional(DisplayName),
    priority: Type.Optional(Type.Integer({ minimum: -1000, maximum: 1000 })),
    maxParallelTasks: Type.Optional(Type.Integer({ minimum: -1 })),
    constraints: Type.Optional(JobConstraints),
    commonEnvironmentSettings: Type.Optional(Type.Array(EnvironmentSetting)),
    poolInfo: PoolInformation,
    onAllTasksComplete: Type.Optional(literalUnion(onAllTasksCompleteValues)),
    onTaskFailure: Type.Optional(literalUnion(onTaskFailureValues)),
    usesTaskDependencies: Type.Optional(Type.Boolean()),
    jobManagerTask: Type.Optional(JobManagerTask),
    jobPreparationTask: Type.Optional(JobPreparationTask),
    jobReleaseTask: Type.Optional(JobReleaseTask),
    metadata: Type.Optional(Type.Array(MetadataItem)),
  },
  strict,
);
export type JobAddParameter = Static<typeof JobAddParameter>;

/**
 * Body of `PATCH /jobs/{jobId}`: the properties given replace the job's, the others stay. A new
 * priority takes effect at once for the tasks still waiting.
 */
export const JobPatchParameter = Type.Object(
  {
    priority: Type.Optional(Type.Integer({ minimum: -1000, maximum: 1000 })),
    maxParallelTasks: Type.Optional(Type.Integer({ minimum: -1 })),
    constraints: Type.Optional(JobConstraints),
    onAllTasksComplete: Type.Optional(literalUnion(onAllTasksCompleteValues)),
    onTaskFailure: Type.Optional(literalUnion(onTaskFailureValues)),
    metadata: Type.Optional(Type.Array(MetadataItem)),
  },
  strict,
);
export type JobPatchParameter = Static<typeof JobPatchParameter>;

export const disableJobOptions = ["requeue", "terminate", "wait"] as const;

/**
 * Body of `POST /jobs/{jobId}/disable`: what happens to the job's running tasks — `requeue` (killed and
 * queued again; they run once the job is enabled), `terminate` (killed, completed as terminated),
 * `wait` (left to finish; the job is `disabling` until they have).
 */
export const JobDisableParameter = Type.Object({ disableTasks: literalUnion(disableJobOptions) }, strict);
export type JobDisableParameter = Static<typeof JobDisableParameter>;

/** Body of `POST /jobs/{jobId}/terminate` (optional). */
export const JobTerminateParameter = Type.Object(
  { terminateReason: Type.Optional(Type.String({ maxLength: 1024 })) },
  strict,
);
export type JobTerminateParameter = Static<typeof JobTerminateParameter>;

export const JobExecutionInformation = Type.Object({
  startTime: Timestamp,
  endTime: Type.Optional(Timestamp),
  poolId: Type.Optional(Type.String()),
  terminateReason: Type.Optional(Type.String()),
});

/**
 * `$expand=stats`: what the service measures of a job's completed tasks (CPU and I/O figures, which
 * Azure also reports, are not measured yet and are absent).
 */
export const JobStatistics = Type.Object({
  url: Type.String(),
  startTime: Timestamp,
  lastUpdateTime: Timestamp,
  /** Sum over completed tasks of their last run's wall clock time. */
  wallClockTime: Type.String(),
  /** Sum over completed tasks of the time from creation to their last run's start. */
  waitTime: Type.String(),
  numSucceededTasks: Type.Integer(),
  numFailedTasks: Type.Integer(),
  numTaskRetries: Type.Integer(),
});
export type JobStatistics = Static<typeof JobStatistics>;

/** A job as `GET /jobs/{jobId}` returns it. */
export const Job = Type.Object({
  ...resourceProperties(literalUnion(jobStates)),
  previousState: Type.Optional(literalUnion(jobStates)),
  previousStateTransitionTime: Type.Optional(Timestamp),
  priority: Type.Integer(),
  maxParallelTasks: Type.Integer(),
  constraints: Type.Object({
    maxWallClockTime: Type.Optional(Type.String()),
    maxTaskRetryCount: Type.Integer(),
  }),
  commonEnvironmentSettings: Type.Optional(Type.Array(EnvironmentSetting)),
  poolInfo: PoolInformation,
  onAllTasksComplete: literalUnion(onAllTasksCompleteValues),
  onTaskFailure: literalUnion(onTaskFailureValues),
  usesTaskDependencies: Type.Boolean(),
  jobManagerTask: Type.Optional(JobManagerTask),
  jobPreparationTask: Type.Optional(JobPreparationTask),
  jobReleaseTask: Type.Optional(JobReleaseTask),
  metadata: Type.Optional(Type.Array(MetadataItem)),
  executionInfo: JobExecutionInformation,
  stats: Type.Optional(JobStatistics),
});
export type Job = Static<typeof Job>;

/** `GET /jobs/{jobId}/taskcounts`: how many of the job's tasks are in each state. */
export const TaskCounts = Type.Object({
  active: Type.Integer(),
  /** Preparing and running. */
  running: Type.Integer(),
  completed: Type.Integer(),
  /** Completed with `executionInfo.result` success. */
  succeeded: Type.Integer(),
  failed: Type.Integer(),
});
/** The same per state, counting task slots (`requiredSlots`) instead of tasks. */
export const TaskSlotCounts = TaskCounts;
export const TaskCountsResult = Type.Object({ taskCounts: TaskCounts, taskSlotCounts: TaskSlotCounts });
export type TaskCountsResult = Static<typeof TaskCountsResult>;
