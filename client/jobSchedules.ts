import type { List } from "../protocol/rest/common.js";
import type { Job } from "../protocol/rest/job.js";
import type {
  JobSchedule,
  JobScheduleAddParameter,
  JobSchedulePatchParameter,
  JobScheduleUpdateParameter,
} from "../protocol/rest/jobSchedule.js";
import { type BatchHttp, batchPath } from "./http.js";
import { type ListOptions, listAll, listPage, type PageOptions } from "./paging.js";

/**
 * Job schedules: jobs created from a job specification at a time, then on a recurrence, at most one
 * active at a time. The jobs they create are named `{scheduleId}_job-{n}`.
 */
export class JobScheduleOperations {
  constructor(private readonly http: BatchHttp) {}

  /** `POST /jobschedules` (201). Without `schedule.doNotRunUntil` the first job is created at once. */
  async add(schedule: JobScheduleAddParameter): Promise<void> {
    await this.http.send({ method: "POST", path: "/jobschedules", body: schedule });
  }

  /** `GET /jobschedules`, following `odata.nextLink` across pages. */
  list(options?: ListOptions): AsyncGenerator<JobSchedule> {
    return listAll<JobSchedule>(this.http, "/jobschedules", options);
  }

  listPage(options?: PageOptions): Promise<List<JobSchedule>> {
    return listPage<JobSchedule>(this.http, "/jobschedules", options);
  }

  /** `expand: "stats"` adds the statistics of every job it created. */
  get(jobScheduleId: string, options: { select?: string; expand?: "stats" } = {}): Promise<JobSchedule> {
    return this.http.json<JobSchedule>({
      method: "GET",
      path: batchPath`/jobschedules/${jobScheduleId}`,
      query: { $select: options.select, $expand: options.expand },
    });
  }

  /** `HEAD /jobschedules/{id}`: true while the schedule exists. */
  async exists(jobScheduleId: string): Promise<boolean> {
    const response = await this.http.send({
      method: "HEAD",
      path: batchPath`/jobschedules/${jobScheduleId}`,
      acceptStatus: [404],
    });
    return response.status !== 404;
  }

  /** `PATCH /jobschedules/{id}`: replaces the properties given (schedule, jobSpecification, metadata). */
  async patch(jobScheduleId: string, changes: JobSchedulePatchParameter): Promise<void> {
    await this.http.send({ method: "PATCH", path: batchPath`/jobschedules/${jobScheduleId}`, body: changes });
  }

  /** `PUT /jobschedules/{id}`: replaces schedule, jobSpecification and metadata (absent metadata: none). */
  async update(jobScheduleId: string, replacement: JobScheduleUpdateParameter): Promise<void> {
    await this.http.send({
      method: "PUT",
      path: batchPath`/jobschedules/${jobScheduleId}`,
      body: replacement,
    });
  }

  /** `DELETE /jobschedules/{id}` (202): the schedule and every job it created. */
  async delete(jobScheduleId: string): Promise<void> {
    await this.http.send({ method: "DELETE", path: batchPath`/jobschedules/${jobScheduleId}` });
  }

  /** `POST /jobschedules/{id}/disable` (204): no job is created until it is enabled. */
  async disable(jobScheduleId: string): Promise<void> {
    await this.http.send({ method: "POST", path: batchPath`/jobschedules/${jobScheduleId}/disable` });
  }

  /** `POST /jobschedules/{id}/enable` (204). */
  async enable(jobScheduleId: string): Promise<void> {
    await this.http.send({ method: "POST", path: batchPath`/jobschedules/${jobScheduleId}/enable` });
  }

  /** `POST /jobschedules/{id}/terminate` (202): no more jobs; the active one is terminated. */
  async terminate(jobScheduleId: string): Promise<void> {
    await this.http.send({ method: "POST", path: batchPath`/jobschedules/${jobScheduleId}/terminate` });
  }

  /** `GET /jobschedules/{id}/jobs`: the jobs the schedule created, oldest first. */
  listJobs(jobScheduleId: string, options?: ListOptions): AsyncGenerator<Job> {
    return listAll<Job>(this.http, batchPath`/jobschedules/${jobScheduleId}/jobs`, options);
  }
}
