/**
 * OpenBatch's own operations, under `/openbatch/` so they never collide with Azure's: a health check
 * (no key needed, for probes), a task's dispatch timeline (for latency breakdowns), and preempting a
 * low-priority node (what Azure does to Spot VMs on its own, on command, to test for it).
 */
import type { FastifyInstance } from "fastify";
import type { TaskTimeline } from "../../../protocol/rest/task.js";
import { sendEmpty, sendJson } from "../responses.js";
import type { RouteContext } from "../routeContext.js";

type TaskParams = { Params: { jobId: string; taskId: string } };
type NodeParams = { Params: { poolId: string; nodeId: string } };

export function extensionRoutes(app: FastifyInstance, { account }: RouteContext): void {
  app.get("/openbatch/health", { config: { openbatchPublic: true } }, async () => ({
    status: "ok",
    accountName: account.config.accountName,
  }));

  app.get<TaskParams>("/openbatch/jobs/:jobId/tasks/:taskId/timeline", async (request, reply) => {
    const task = account.tasks.get(request.params.jobId, request.params.taskId);
    const timeline: TaskTimeline = task.timeline ?? { addedAt: Date.parse(task.creationTime) };
    return sendJson(reply, timeline);
  });

  app.post<NodeParams>("/openbatch/pools/:poolId/nodes/:nodeId/preempt", async (request, reply) => {
    account.preemptions.preempt(request.params.poolId, request.params.nodeId);
    await account.store.flush();
    return sendEmpty(reply, 202);
  });
}
