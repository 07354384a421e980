/**
 * The account's lifetime statistics (api-version 2022-10-01.16.0; later versions dropped them):
 * `GET /lifetimepoolstats`, every pool's usage and resource figures since the service started, and
 * `GET /lifetimejobstats`, every job's task figures, as `$expand=stats` shows them per pool and job.
 */
import type { FastifyInstance } from "fastify";
import { jobStatsView } from "../../core/views.js";
import { sendJson } from "../responses.js";
import type { RouteContext } from "../routeContext.js";

export function statisticsRoutes(app: FastifyInstance, { account, endpoint }: RouteContext): void {
  app.get("/lifetimepoolstats", async (_request, reply) => {
    const stats = account.agents.health.lifetimeStatistics(`${endpoint()}/lifetimepoolstats`);
    return sendJson(reply, { "odata.metadata": `${endpoint()}/$metadata#poolstats/@Element`, ...stats });
  });

  app.get("/lifetimejobstats", async (_request, reply) => {
    const jobs = account.jobs.all();
    const { counts, totals } = account.counts.sumOf(jobs.map((job) => job.id));
    const firstJob = jobs.reduce<string | undefined>(
      (earliest, job) =>
        earliest === undefined || job.creationTime < earliest ? job.creationTime : earliest,
      undefined,
    );
    const stats = jobStatsView(
      `${endpoint()}/lifetimejobstats`,
      firstJob ?? new Date().toISOString(),
      counts,
      totals,
    );
    return sendJson(reply, { "odata.metadata": `${endpoint()}/$metadata#jobstats/@Element`, ...stats });
  });
}
