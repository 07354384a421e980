/**
 * The tasks a job brings with it: the job manager (a task of the job, started first), the
 * preparation task (runs on a node before the job's first task there) and the release task (runs on
 * each node that prepared for the job, when the job ends), and the status of the last two per node.
 */
import Type, { type Static } from "typebox";
import { taskExecutionResults } from "../states.js";
import { ApplicationPackageReference } from "./application.js";
import {
  DisplayName,
  Duration,
  EnvironmentSetting,
  FailureInfo,
  Id,
  literalUnion,
  strict,
  Timestamp,
} from "./common.js";
import { TaskConstraints } from "./task.js";
import { OutputFile, ResourceFile } from "./taskFiles.js";

/**
 * Added as a task of the job (with its id) the moment the job is added, and queued ahead of the
 * job's other tasks. `killJobOnCompletion` (default true): the job is terminated (`JMComplete`) when it
 * completes. `runExclusive` (default true): it takes every slot of its node, so nothing else runs there.
 */
export const JobManagerTask = Type.Object(
  {
    id: Id,
    displayName: Type.Optional(DisplayName),
    commandLine: Type.String({ minLength: 1, maxLength: 32768 }),
    resourceFiles: Type.Optional(Type.Array(ResourceFile)),
    outputFiles: Type.Optional(Type.Array(OutputFile)),
    environmentSettings: Type.Optional(Type.Array(EnvironmentSetting)),
    constraints: Type.Optional(TaskConstraints),
    requiredSlots: Type.Optional(Type.Integer({ minimum: 1 })),
    killJobOnCompletion: Type.Optional(Type.Boolean()),
    runExclusive: Type.Optional(Type.Boolean()),
    applicationPackageReferences: Type.Optional(Type.Array(ApplicationPackageReference)),
  },
  strict,
);
export type JobManagerTask = Static<typeof JobManagerTask>;

/**
 * Runs on a node before the first of the job's tasks there (id default `jobpreparation`), retried up to
 * `constraints.maxTaskRetryCount`. `waitForSuccess` (default true): the job's tasks wait for it in state
 * `preparing`, and a node where it finally failed gets none of the job's tasks. With
 * `rerunOnNodeRebootAfterSuccess` (default true) it runs again after the node rebooted.
 */
export const JobPreparationTask = Type.Object(
  {
    id: Type.Optional(Id),
    commandLine: Type.String({ minLength: 1, maxLength: 32768 }),
    resourceFiles: Type.Optional(Type.Array(ResourceFile)),
    environmentSettings: Type.Optional(Type.Array(EnvironmentSetting)),
    constraints: Type.Optional(TaskConstraints),
    waitForSuccess: Type.Optional(Type.Boolean()),
    rerunOnNodeRebootAfterSuccess: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type JobPreparationTask = Static<typeof JobPreparationTask>;

/**
 * Runs once on every node where the preparation task ran, when the job is terminated (by the user,
 * its wall clock, onAllTasksComplete, its job manager or a task failure); the job stays `terminating`
 * until every one has ended. Id default `jobrelease`; killed after `maxWallClockTime` (default PT15M);
 * not retried. Needs a jobPreparationTask.
 */
export const JobReleaseTask = Type.Object(
  {
    id: Type.Optional(Id),
    commandLine: Type.String({ minLength: 1, maxLength: 32768 }),
    resourceFiles: Type.Optional(Type.Array(ResourceFile)),
    environmentSettings: Type.Optional(Type.Array(EnvironmentSetting)),
    maxWallClockTime: Type.Optional(Duration),
  },
  strict,
);
export type JobReleaseTask = Static<typeof JobReleaseTask>;

export const jobNodeTaskStates = ["running", "completed"] as const;

const nodeTaskRun = {
  startTime: Timestamp,
  endTime: Type.Optional(Timestamp),
  state: literalUnion(jobNodeTaskStates),
  taskRootDirectory: Type.String(),
  taskRootDirectoryUrl: Type.String(),
  exitCode: Type.Optional(Type.Integer()),
  failureInfo: Type.Optional(FailureInfo),
  result: Type.Optional(literalUnion(taskExecutionResults)),
};

export const JobPreparationTaskExecutionInformation = Type.Object({
  ...nodeTaskRun,
  retryCount: Type.Integer(),
  lastRetryTime: Type.Optional(Timestamp),
});
export type JobPreparationTaskExecutionInformation = Static<typeof JobPreparationTaskExecutionInformation>;

export const JobReleaseTaskExecutionInformation = Type.Object(nodeTaskRun);
export type JobReleaseTaskExecutionInformation = Static<typeof JobReleaseTaskExecutionInformation>;

/** One entry of `GET /jobs/{jobId}/jobpreparationandreleasetaskstatus`: a node that prepared for the job. */
export const JobPreparationAndReleaseTaskExecutionInformation = Type.Object({
  poolId: Type.String(),
  nodeId: Type.String(),
  nodeUrl: Type.String(),
  jobPreparationTaskExecutionInfo: Type.Optional(JobPreparationTaskExecutionInformation),
  jobReleaseTaskExecutionInfo: Type.Optional(JobReleaseTaskExecutionInformation),
});
export type JobPreparationAndReleaseTaskExecutionInformation = Static<
  typeof JobPreparationAndReleaseTaskExecutionInformation
>;
