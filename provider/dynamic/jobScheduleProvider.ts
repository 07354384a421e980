/**
 * The implementation behind `JobSchedule` (jobSchedule.ts), loaded inside the dynamic-provider plugin.
 * The id is the schedule id; schedule, jobSpecification and metadata change in place (`PUT`).
 */
import type * as pulumi from "@pulumi/pulumi";
import { Value } from "typebox/value";
import { type JobSchedule, JobScheduleAddParameter } from "../../protocol/rest/jobSchedule.js";
import { clientFor, connectionFailures, connectionOf, unlessGone } from "./connection.js";
import type { JobScheduleInputs, JobScheduleOutputs } from "./jobSchedule.js";
import { until } from "./polling.js";
import { type ChangeTable, diffByTable, idFailure, withoutUndefined } from "./propertyDiff.js";

const changeEffects: ChangeTable<JobScheduleInputs> = {
  jobScheduleId: "replace",
  displayName: "replace",
  accountName: "replace",
  schedule: "update",
  jobSpecification: "update",
  metadata: "update",
  endpoint: "update",
  accountKey: "update",
};

function addParameter(inputs: JobScheduleInputs): JobScheduleAddParameter {
  return withoutUndefined({
    id: inputs.jobScheduleId,
    displayName: inputs.displayName,
    schedule: inputs.schedule,
    jobSpecification: inputs.jobSpecification,
    metadata: inputs.metadata,
  });
}

class JobScheduleProvider implements pulumi.dynamic.ResourceProvider<JobScheduleInputs, JobScheduleOutputs> {
  /** Checked against the service's own schema, so that mistakes show at preview with their path. */
  async check(
    _olds: JobScheduleInputs,
    news: JobScheduleInputs,
  ): Promise<pulumi.dynamic.CheckResult<JobScheduleInputs>> {
    const inputs = withoutUndefined(news);
    const failures = connectionFailures(inputs);
    const badId = idFailure("jobScheduleId", inputs.jobScheduleId);
    if (badId) failures.push(badId);
    else {
      for (const error of Value.Errors(JobScheduleAddParameter, addParameter(inputs))) {
        const path = error.instancePath.replace(/^\//, "").replaceAll("/", ".");
        const extra = (error.params as { additionalProperties?: string[] }).additionalProperties;
        failures.push({
          property: path.split(".")[0] || "jobSpecification",
          reason: `${path || "the job schedule"} ${error.message}${extra ? ` (${extra.join(", ")})` : ""}: see docs/reference/jobschedules.md.`,
        });
      }
    }
    return { inputs, failures };
  }

  async diff(_id: string, olds: JobScheduleOutputs, news: JobScheduleInputs) {
    return diffByTable(olds, news, changeEffects);
  }

  async create(inputs: JobScheduleInputs): Promise<pulumi.dynamic.CreateResult<JobScheduleOutputs>> {
    const client = clientFor(inputs);
    await client.jobSchedules.add(addParameter(inputs));
    return {
      id: inputs.jobScheduleId,
      outs: outputs(inputs, await client.jobSchedules.get(inputs.jobScheduleId)),
    };
  }

  async update(id: string, _olds: JobScheduleOutputs, news: JobScheduleInputs) {
    const client = clientFor(news);
    await client.jobSchedules.update(id, {
      schedule: news.schedule,
      jobSpecification: news.jobSpecification,
      metadata: news.metadata,
    });
    return { outs: outputs(news, await client.jobSchedules.get(id)) };
  }

  /** No id when the schedule is gone (or being deleted), so that the engine drops it. */
  async read(id: string, props?: JobScheduleOutputs): Promise<pulumi.dynamic.ReadResult> {
    const client = clientFor(props);
    const answer = await unlessGone(client.jobSchedules.get(id), "JobScheduleNotFound");
    if (!answer.found || answer.value.state === "deleting") return {};
    const schedule = answer.value;
    const inputs: JobScheduleInputs = withoutUndefined({
      ...connectionOf(client, props),
      jobScheduleId: schedule.id,
      displayName: schedule.displayName,
      schedule: schedule.schedule,
      jobSpecification: schedule.jobSpecification,
      metadata: schedule.metadata?.length || props?.metadata ? schedule.metadata : undefined,
    });
    return { id, props: outputs(inputs, schedule), inputs };
  }

  /** Returns once the schedule and the jobs it created are gone. */
  async delete(id: string, props: JobScheduleOutputs): Promise<void> {
    const client = clientFor(props);
    if (!(await unlessGone(client.jobSchedules.delete(id), "JobScheduleNotFound")).found) return;
    await until(
      `Job schedule ${id} is still being deleted after 5 minutes.`,
      5 * 60_000,
      async () => !(await client.jobSchedules.exists(id)),
    );
  }
}

function outputs(inputs: JobScheduleInputs, schedule: JobSchedule): JobScheduleOutputs {
  return { ...inputs, state: schedule.state, creationTime: schedule.creationTime };
}

export const provider = new JobScheduleProvider();
