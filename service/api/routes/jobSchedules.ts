/** `/jobschedules`: add, list, get, exists (HEAD), patch, update (PUT), delete, disable, enable, terminate, and their jobs. */
import type { FastifyInstance } from "fastify";
import { BatchError } from "../../../protocol/errors.js";
import { Job } from "../../../protocol/rest/job.js";
import {
  JobSchedule,
  JobScheduleAddParameter,
  JobSchedulePatchParameter,
  JobScheduleUpdateParameter,
} from "../../../protocol/rest/jobSchedule.js";
import type { JobScheduleRecord } from "../../core/records.js";
import { eTag, jobScheduleUrl, jobScheduleView, jobStatsView, jobView } from "../../core/views.js";
import { fillPage, listBody, readExpandStats, readListQuery, readSelect } from "../listing.js";
import { applySelect } from "../odata.js";
import { sendCreated, sendEmpty, sendJson } from "../responses.js";
import type { RouteContext } from "../routeContext.js";
import { bodyValidator } from "../validation.js";

type ScheduleParams = { Params: { jobScheduleId: string } };

const validateAdd = bodyValidator(JobScheduleAddParameter, "JobScheduleAddParameter");
const validatePatch = bodyValidator(JobSchedulePatchParameter, "JobSchedulePatchParameter");
const validateUpdate = bodyValidator(JobScheduleUpdateParameter, "JobScheduleUpdateParameter");

export function jobScheduleRoutes(app: FastifyInstance, { account, endpoint }: RouteContext): void {
  const { store } = account;
  const commands = account.jobSchedules;
  const headersOf = (schedule: JobScheduleRecord) => ({
    eTag: eTag(schedule.version),
    lastModified: schedule.lastModified,
    url: jobScheduleUrl(endpoint(), schedule.id),
  });

  app.post("/jobschedules", async (request, reply) => {
    const schedule = commands.add(validateAdd(request.body));
    await store.flush();
    return sendCreated(reply, headersOf(schedule));
  });

  /** The schedule as Azure shows it, with the statistics of its jobs when `$expand=stats` asked for them. */
  const view = (schedule: JobScheduleRecord, stats: boolean): JobSchedule => {
    const shown = jobScheduleView(endpoint(), schedule);
    if (!stats) return shown;
    const jobs = store.listJobsOfSchedule(schedule.id, { limit: Number.MAX_SAFE_INTEGER });
    const { counts, totals } = account.counts.sumOf(jobs.map((job) => job.id));
    shown.stats = jobStatsView(
      jobScheduleUrl(endpoint(), schedule.id),
      schedule.creationTime,
      counts,
      totals,
    );
    return shown;
  };

  app.get("/jobschedules", async (request, reply) => {
    const query = readListQuery(request, JobSchedule);
    const stats = readExpandStats(request);
    const page = fillPage(
      query,
      (afterSeq, limit) => store.listJobSchedules({ afterSeq, limit, state: query.state }),
      (schedule) => view(schedule, stats),
    );
    const expand = stats ? { $expand: "stats" } : {};
    return sendJson(reply, listBody(request, endpoint(), "jobschedules", query, page, expand));
  });

  app.get<ScheduleParams>("/jobschedules/:jobScheduleId", async (request, reply) => {
    const select = readSelect(request, JobSchedule);
    const stats = readExpandStats(request);
    const schedule = commands.get(request.params.jobScheduleId);
    const body = {
      "odata.metadata": `${endpoint()}/$metadata#jobschedules/@Element`,
      ...applySelect(view(schedule, stats), select),
    };
    return sendJson(reply, body, headersOf(schedule));
  });

  app.head<ScheduleParams>("/jobschedules/:jobScheduleId", async (request, reply) => {
    const schedule = store.getJobSchedule(request.params.jobScheduleId);
    if (!schedule)
      throw new BatchError("JobScheduleNotFound", `Job schedule id: ${request.params.jobScheduleId}.`);
    return sendEmpty(reply, 200, headersOf(schedule));
  });

  app.get<ScheduleParams>("/jobschedules/:jobScheduleId/jobs", async (request, reply) => {
    const query = readListQuery(request, Job);
    const { id } = commands.get(request.params.jobScheduleId);
    const page = fillPage(
      query,
      (afterSeq, limit) => store.listJobsOfSchedule(id, { afterSeq, limit, state: query.state }),
      (job) => jobView(endpoint(), job),
    );
    return sendJson(reply, listBody(request, endpoint(), "jobs", query, page));
  });

  app.patch<ScheduleParams>("/jobschedules/:jobScheduleId", async (request, reply) => {
    const schedule = commands.patch(request.params.jobScheduleId, validatePatch(request.body));
    await store.flush();
    return sendEmpty(reply, 200, headersOf(schedule));
  });

  app.put<ScheduleParams>("/jobschedules/:jobScheduleId", async (request, reply) => {
    const schedule = commands.update(request.params.jobScheduleId, validateUpdate(request.body));
    await store.flush();
    return sendEmpty(reply, 200, headersOf(schedule));
  });

  app.delete<ScheduleParams>("/jobschedules/:jobScheduleId", async (request, reply) => {
    commands.delete(request.params.jobScheduleId);
    await store.flush();
    return sendEmpty(reply, 202);
  });

  app.post<ScheduleParams>("/jobschedules/:jobScheduleId/disable", async (request, reply) => {
    commands.disable(request.params.jobScheduleId);
    await store.flush();
    return sendEmpty(reply, 204, headersOf(commands.get(request.params.jobScheduleId)));
  });

  app.post<ScheduleParams>("/jobschedules/:jobScheduleId/enable", async (request, reply) => {
    commands.enable(request.params.jobScheduleId);
    await store.flush();
    return sendEmpty(reply, 204, headersOf(commands.get(request.params.jobScheduleId)));
  });

  app.post<ScheduleParams>("/jobschedules/:jobScheduleId/terminate", async (request, reply) => {
    commands.terminate(request.params.jobScheduleId);
    await store.flush();
    return sendEmpty(reply, 202, headersOf(commands.get(request.params.jobScheduleId)));
  });
}
