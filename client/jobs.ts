import type { List } from "../protocol/rest/common.js";
import type {
  Job,
  JobAddParameter,
  JobDisableParameter,
  JobPatchParameter,
  JobStatistics,
  TaskCountsResult,
} from "../protocol/rest/job.js";
import type { JobPreparationAndReleaseTaskExecutionInformation } from "../protocol/rest/jobTasks.js";
import { type BatchHttp, batchPath } from "./http.js";
import { type ListOptions, listAll, listPage, type PageOptions } from "./paging.js";

/** Jobs: containers of tasks, bound to one pool. */
export class JobOperations {
  constructor(private readonly http: BatchHttp) {}

  /** `POST /jobs` (201). */
  async add(job: JobAddParameter): Promise<void> {
    await this.http.send({ method: "POST", path: "/jobs", body: job });
  }

  /** `GET /jobs`, following `odata.nextLink` across pages. */
  list(options?: ListOptions): AsyncGenerator<Job> {
    return listAll<Job>(this.http, "/jobs", options);
  }

  listPage(options?: PageOptions): Promise<List<Job>> {
    return listPage<Job>(this.http, "/jobs", options);
  }

  /** `GET /jobs/{jobId}/taskcounts`: active, running, completed, succeeded and failed tasks. */
  getTaskCounts(jobId: string): Promise<TaskCountsResult> {
    return this.http.json<TaskCountsResult>({ method: "GET", path: batchPath`/jobs/${jobId}/taskcounts` });
  }

  /** `GET /jobs/{jobId}/jobpreparationandreleasetaskstatus`: the preparation and release task on each node that prepared. */
  async listPreparationAndReleaseTaskStatus(
    jobId: string,
  ): Promise<JobPreparationAndReleaseTaskExecutionInformation[]> {
    const list = await this.http.json<List<JobPreparationAndReleaseTaskExecutionInformation>>({
      method: "GET",
      path: batchPath`/jobs/${jobId}/jobpreparationandreleasetaskstatus`,
    });
    return list.value;
  }

  /** `expand: "stats"` adds the job's statistics. */
  get(jobId: string, options: { select?: string; expand?: "stats" } = {}): Promise<Job> {
    return this.http.json<Job>({
      method: "GET",
      path: batchPath`/jobs/${jobId}`,
      query: { $select: options.select, $expand: options.expand },
    });
  }

  /** `GET /lifetimejobstats`: every job's task statistics added up. */
  getAllLifetimeStatistics(): Promise<JobStatistics> {
    return this.http.json<JobStatistics>({ method: "GET", path: "/lifetimejobstats" });
  }

  /** `DELETE /jobs/{jobId}` (202): running tasks are terminated, then the job and its tasks are removed. */
  async delete(jobId: string): Promise<void> {
    await this.http.send({ method: "DELETE", path: batchPath`/jobs/${jobId}` });
  }

  /** `POST /jobs/{jobId}/terminate` (202): running tasks are terminated and the job completes. */
  /** `PATCH /jobs/{jobId}`: changes the properties given (priority, maxParallelTasks, constraints, ...). */
  async patch(jobId: string, changes: JobPatchParameter): Promise<void> {
    await this.http.send({ method: "PATCH", path: batchPath`/jobs/${jobId}`, body: changes });
  }

  /** `POST /jobs/{jobId}/disable` (202): no new task starts; running ones are requeued, terminated or waited for. */
  async disable(jobId: string, disableTasks: JobDisableParameter["disableTasks"]): Promise<void> {
    await this.http.send({ method: "POST", path: batchPath`/jobs/${jobId}/disable`, body: { disableTasks } });
  }

  /** `POST /jobs/{jobId}/enable` (202): a disabled job's tasks are scheduled again. */
  async enable(jobId: string): Promise<void> {
    await this.http.send({ method: "POST", path: batchPath`/jobs/${jobId}/enable` });
  }

  async terminate(jobId: string, terminateReason?: string): Promise<void> {
    const body = terminateReason === undefined ? undefined : { terminateReason };
    await this.http.send({ method: "POST", path: batchPath`/jobs/${jobId}/terminate`, body });
  }
}
