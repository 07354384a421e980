/** `/jobs`: add, list, get, delete, terminate. */
import type { FastifyInstance } from "fastify";
import { BatchError } from "../../../protocol/errors.js";
import {
  Job,
  JobAddParameter,
  JobDisableParameter,
  JobPatchParameter,
  JobTerminateParameter,
  type TaskCountsResult,
} from "../../../protocol/rest/job.js";
import type { TaskStateCounts } from "../../core/jobTaskCounts.js";
import type { JobRecord } from "../../core/records.js";
import { eTag, jobStatsView, jobUrl, jobView } from "../../core/views.js";
import { fillPage, listBody, readExpandStats, readListQuery, readSelect } from "../listing.js";
import { applySelect } from "../odata.js";
import { sendCreated, sendEmpty, sendJson } from "../responses.js";
import type { RouteContext } from "../routeContext.js";
import { bodyValidator } from "../validation.js";

type JobParams = { Params: { jobId: string } };

const validateJobAdd = bodyValidator(JobAddParameter, "JobAddParameter");
const validateJobTerminate = bodyValidator(JobTerminateParameter, "JobTerminateParameter");
const validateJobPatch = bodyValidator(JobPatchParameter, "JobPatchParameter");
const validateJobDisable = bodyValidator(JobDisableParameter, "JobDisableParameter");

export function jobRoutes(app: FastifyInstance, { account, endpoint }: RouteContext): void {
  const { store } = account;
  const headersOf = (job: JobRecord) => ({
    eTag: eTag(job.version),
    lastModified: job.lastModified,
    url: jobUrl(endpoint(), job.id),
  });

  app.post("/jobs", async (request, reply) => {
    const job = account.jobs.add(validateJobAdd(request.body));
    await store.flush();
    return sendCreated(reply, headersOf(store.getJob(job.id) ?? job));
  });

  /** The job as Azure shows it, with its statistics when `$expand=stats` asked for them. */
  const view = (job: JobRecord, stats: boolean): Job => {
    const shown = jobView(endpoint(), job);
    if (stats)
      shown.stats = jobStatsView(
        jobUrl(endpoint(), job.id),
        job.creationTime,
        account.counts.of(job.id),
        account.counts.totalsOf(job.id),
      );
    return shown;
  };

  app.get("/jobs", async (request, reply) => {
    const query = readListQuery(request, Job);
    const stats = readExpandStats(request);
    const page = fillPage(
      query,
      (afterSeq, limit) => store.listJobs({ afterSeq, limit, state: query.state }),
      (job) => view(job, stats),
    );
    const expand = stats ? { $expand: "stats" } : {};
    return sendJson(reply, listBody(request, endpoint(), "jobs", query, page, expand));
  });

  app.get<JobParams>("/jobs/:jobId", async (request, reply) => {
    const select = readSelect(request, Job);
    const stats = readExpandStats(request);
    const job = account.jobs.get(request.params.jobId);
    const body = {
      "odata.metadata": `${endpoint()}/$metadata#jobs/@Element`,
      ...applySelect(view(job, stats), select),
    };
    return sendJson(reply, body, headersOf(job));
  });

  app.get<JobParams>("/jobs/:jobId/taskcounts", async (request, reply) => {
    const job = account.jobs.get(request.params.jobId);
    const result: TaskCountsResult = {
      taskCounts: countsView(account.counts.of(job.id)),
      taskSlotCounts: countsView(account.counts.slotsOf(job.id)),
    };
    return sendJson(reply, { "odata.metadata": `${endpoint()}/$metadata#taskcounts/@Element`, ...result });
  });

  app.get<JobParams>("/jobs/:jobId/jobpreparationandreleasetaskstatus", async (request, reply) => {
    const job = account.jobs.get(request.params.jobId);
    if (!job.spec.jobPreparationTask)
      throw new BatchError("JobPreparationTaskNotSpecified", `Job id: ${job.id}.`);
    return sendJson(reply, {
      "odata.metadata": `${endpoint()}/$metadata#jobpreparationandreleasetaskstatus`,
      value: account.jobNodeTasks.status(job, endpoint()),
    });
  });

  app.patch<JobParams>("/jobs/:jobId", async (request, reply) => {
    const job = account.jobs.patch(request.params.jobId, validateJobPatch(request.body));
    await store.flush();
    return sendEmpty(reply, 200, headersOf(job));
  });

  app.post<JobParams>("/jobs/:jobId/disable", async (request, reply) => {
    account.jobs.disable(request.params.jobId, validateJobDisable(request.body));
    await store.flush();
    return sendEmpty(reply, 202, headersOf(account.jobs.get(request.params.jobId)));
  });

  app.post<JobParams>("/jobs/:jobId/enable", async (request, reply) => {
    account.jobs.enable(request.params.jobId);
    await store.flush();
    return sendEmpty(reply, 202, headersOf(account.jobs.get(request.params.jobId)));
  });

  app.delete<JobParams>("/jobs/:jobId", async (request, reply) => {
    account.jobs.delete(request.params.jobId);
    await store.flush();
    return sendEmpty(reply, 202);
  });

  app.post<JobParams>("/jobs/:jobId/terminate", async (request, reply) => {
    // The body is optional: `{terminateReason}` or nothing.
    const params = request.body === undefined ? {} : validateJobTerminate(request.body);
    account.jobs.terminate(request.params.jobId, params);
    await store.flush();
    return sendEmpty(reply, 202, headersOf(account.jobs.get(request.params.jobId)));
  });
}

/** Azure's shape: running includes preparing; completed is succeeded plus failed. */
function countsView(c: TaskStateCounts): TaskCountsResult["taskCounts"] {
  return {
    active: c.active,
    running: c.preparing + c.running,
    completed: c.completed + c.failed,
    succeeded: c.completed,
    failed: c.failed,
  };
}
