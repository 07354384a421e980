/**
 * Job schedules: jobs created from a `jobSpecification` at `doNotRunUntil` (or at once), then every
 * `recurrenceInterval`, at most one active job at a time. Azure Batch's names and shapes.
 */
import Type, { type Static } from "typebox";
import { jobScheduleStates } from "../states.js";
import {
  DisplayName,
  Duration,
  Id,
  literalUnion,
  MetadataItem,
  resourceProperties,
  strict,
  Timestamp,
} from "./common.js";
import { JobAddParameter, JobStatistics } from "./job.js";

/** When jobs are created. Durations are ISO 8601; the service refuses ones shorter than its minimum (PT1M, as Azure). */
export const Schedule = Type.Object(
  {
    /** No job before this time; absent: the first job is created at once. */
    doNotRunUntil: Type.Optional(Timestamp),
    /** No job after this time; the schedule completes once it has passed and no job of it is active. */
    doNotRunAfter: Type.Optional(Timestamp),
    /** How long after its due time an occurrence may still create its job (default: unlimited). */
    startWindow: Type.Optional(Duration),
    /** Time between occurrences; absent: one job, and the schedule completes when it completes. */
    recurrenceInterval: Type.Optional(Duration),
  },
  strict,
);
export type Schedule = Static<typeof Schedule>;

/** The jobs a schedule creates: everything a `JobAddParameter` holds but the id, which the schedule gives. */
export const JobSpecification = Type.Omit(JobAddParameter, ["id"], strict);
export type JobSpecification = Static<typeof JobSpecification>;

/** Body of `POST /jobschedules`. */
export const JobScheduleAddParameter = Type.Object(
  {
    id: Id,
    displayName: Type.Optional(DisplayName),
    schedule: Schedule,
    jobSpecification: JobSpecification,
    metadata: Type.Optional(Type.Array(MetadataItem)),
  },
  strict,
);
export type JobScheduleAddParameter = Static<typeof JobScheduleAddParameter>;

/** Body of `PATCH /jobschedules/{id}`: the properties given replace the schedule's, the others stay. */
export const JobSchedulePatchParameter = Type.Object(
  {
    schedule: Type.Optional(Schedule),
    jobSpecification: Type.Optional(JobSpecification),
    metadata: Type.Optional(Type.Array(MetadataItem)),
  },
  strict,
);
export type JobSchedulePatchParameter = Static<typeof JobSchedulePatchParameter>;

/** Body of `PUT /jobschedules/{id}`: replaces schedule, jobSpecification and metadata (absent metadata: none). */
export const JobScheduleUpdateParameter = Type.Object(
  {
    schedule: Schedule,
    jobSpecification: JobSpecification,
    metadata: Type.Optional(Type.Array(MetadataItem)),
  },
  strict,
);
export type JobScheduleUpdateParameter = Static<typeof JobScheduleUpdateParameter>;

export const RecentJob = Type.Object({ id: Type.String(), url: Type.String() });

export const JobScheduleExecutionInformation = Type.Object({
  /** When the next job is due; absent once no job will be created any more. */
  nextRunTime: Type.Optional(Timestamp),
  /** The job created most recently. */
  recentJob: Type.Optional(RecentJob),
  /** When the schedule completed. */
  endTime: Type.Optional(Timestamp),
});

/** A job schedule as `GET /jobschedules/{id}` returns it (Azure's CloudJobSchedule). */
export const JobSchedule = Type.Object({
  ...resourceProperties(literalUnion(jobScheduleStates)),
  previousState: Type.Optional(literalUnion(jobScheduleStates)),
  previousStateTransitionTime: Type.Optional(Timestamp),
  schedule: Schedule,
  jobSpecification: JobSpecification,
  executionInfo: JobScheduleExecutionInformation,
  metadata: Type.Optional(Type.Array(MetadataItem)),
  /** `$expand=stats`: the statistics of every job it created, added up. */
  stats: Type.Optional(JobStatistics),
});
export type JobSchedule = Static<typeof JobSchedule>;
