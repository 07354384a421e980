/**
 * `JobSchedule`: jobs created from a job specification on a schedule (Azure Batch's job schedules;
 * azure-native has no such resource, so the inputs carry the REST names).
 */
import * as pulumi from "@pulumi/pulumi";
import type { JobSpecification, Schedule } from "../../protocol/rest/jobSchedule.js";
import { type AccountRef, withConnection } from "./accountRef.js";
import type { AccountConnection } from "./connection.js";
import type { DeepInput } from "./deepInput.js";
import { delegatingProvider } from "./delegatingProvider.js";

export interface JobScheduleProperties {
  /** The schedule's id (default: the resource name). Changing it replaces the schedule (the old one, and its jobs, are deleted first). */
  jobScheduleId?: string;
  /** A display name. Changing it replaces the schedule. */
  displayName?: string;
  /** When jobs are created: `doNotRunUntil`, `doNotRunAfter`, `startWindow`, `recurrenceInterval` (ISO 8601). Updates in place. */
  schedule: Schedule;
  /** The jobs it creates, as the REST API's `jobSpecification` (e.g. `{ poolInfo: { poolId }, jobManagerTask }`). Updates in place. */
  jobSpecification: JobSpecification;
  /** Name/value pairs. Updates in place. */
  metadata?: { name: string; value: string }[];
}

export type JobScheduleArgs = {
  [K in keyof JobScheduleProperties]: DeepInput<JobScheduleProperties[K]>;
} & AccountRef;

/** The inputs after `check`. */
export type JobScheduleInputs = JobScheduleProperties & AccountConnection & { jobScheduleId: string };

export interface JobScheduleOutputs extends JobScheduleInputs {
  /** `active`, `completed`, `disabled`, `terminating` or `deleting`. */
  state: string;
  creationTime: string;
}

export class JobSchedule extends pulumi.dynamic.Resource {
  declare readonly jobScheduleId: pulumi.Output<string>;
  declare readonly state: pulumi.Output<string>;
  declare readonly creationTime: pulumi.Output<string>;

  constructor(name: string, args: JobScheduleArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      delegatingProvider("openbatch/provider/dynamic/jobScheduleProvider"),
      name,
      {
        ...withConnection(args),
        jobScheduleId: args.jobScheduleId ?? name,
        state: undefined,
        creationTime: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["accountKey"] }),
      "openbatch",
      "JobSchedule",
    );
  }
}
