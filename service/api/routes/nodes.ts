/**
 * `/pools/{poolId}/nodes`: list and get compute nodes, reboot or reimage one, disable and enable its scheduling,
 * upload its service logs; `/nodecounts`: the account's nodes counted by state, per pool.
 */
import type { FastifyInstance } from "fastify";
import {
  ComputeNode,
  NodeDisableSchedulingParameter,
  NodeRebootParameter,
  NodeReimageParameter,
  UploadBatchServiceLogsConfiguration,
} from "../../../protocol/rest/node.js";
import { PoolNodeCounts } from "../../../protocol/rest/nodeCounts.js";
import { poolNodeCounts } from "../../core/nodeCounts.js";
import { uploadServiceLogs } from "../../core/nodeLogs.js";
import { recentTasksView } from "../../core/recentTasks.js";
import type { NodeRecord, PoolRecord } from "../../core/records.js";
import { nodeView } from "../../core/views.js";
import { fillPage, fromArray, listBody, readListQuery, readSelect } from "../listing.js";
import { applySelect } from "../odata.js";
import { sendEmpty, sendJson } from "../responses.js";
import type { RouteContext } from "../routeContext.js";
import { bodyValidator } from "../validation.js";

type NodeParams = { Params: { poolId: string; nodeId: string } };

const validateReboot = bodyValidator(NodeRebootParameter, "NodeRebootParameter");
const validateReimage = bodyValidator(NodeReimageParameter, "NodeReimageParameter");
const validateUploadLogs = bodyValidator(
  UploadBatchServiceLogsConfiguration,
  "UploadBatchServiceLogsConfiguration",
);
const validateDisableScheduling = bodyValidator(
  NodeDisableSchedulingParameter,
  "NodeDisableSchedulingParameter",
);

export function nodeRoutes(app: FastifyInstance, { account, endpoint }: RouteContext): void {
  const view = (pool: PoolRecord, node: NodeRecord) =>
    nodeView(
      endpoint(),
      pool,
      node,
      account.nodes.running(pool.id, node.id),
      recentTasksView(endpoint(), node, (jobId, taskId) => account.store.getTask(jobId, taskId)?.state),
    );

  app.get<{ Params: { poolId: string } }>("/pools/:poolId/nodes", async (request, reply) => {
    const query = readListQuery(request, ComputeNode);
    const { pool, nodes } = account.nodes.list(request.params.poolId);
    const page = fillPage(query, fromArray(nodes), ({ item }) => view(pool, item));
    return sendJson(reply, listBody(request, endpoint(), "nodes", query, page));
  });

  app.get("/nodecounts", async (request, reply) => {
    const query = readListQuery(request, PoolNodeCounts);
    const counts = account.pools
      .all()
      .map((pool) => poolNodeCounts(pool.id, account.store.listNodes(pool.id)));
    const page = fillPage(query, fromArray(counts), ({ item }) => item);
    return sendJson(reply, listBody(request, endpoint(), "poolnodecounts", query, page));
  });

  app.post<NodeParams>("/pools/:poolId/nodes/:nodeId/reboot", async (request, reply) => {
    // The body is optional: `{nodeRebootOption}` or nothing.
    const params = request.body === undefined ? {} : validateReboot(request.body);
    account.nodes.reboot(request.params.poolId, request.params.nodeId, params.nodeRebootOption);
    await account.store.flush();
    return sendEmpty(reply, 202);
  });

  app.post<NodeParams>("/pools/:poolId/nodes/:nodeId/reimage", async (request, reply) => {
    // The body is optional: `{nodeReimageOption}` or nothing.
    const params = request.body === undefined ? {} : validateReimage(request.body);
    account.nodes.reimage(request.params.poolId, request.params.nodeId, params.nodeReimageOption);
    await account.store.flush();
    return sendEmpty(reply, 202);
  });

  app.post<NodeParams>("/pools/:poolId/nodes/:nodeId/disablescheduling", async (request, reply) => {
    // The body is optional: `{nodeDisableSchedulingOption}` or nothing.
    const params = request.body === undefined ? {} : validateDisableScheduling(request.body);
    const { poolId, nodeId } = request.params;
    account.nodes.disableScheduling(poolId, nodeId, params.nodeDisableSchedulingOption);
    await account.store.flush();
    return sendEmpty(reply, 200);
  });

  app.post<NodeParams>("/pools/:poolId/nodes/:nodeId/enablescheduling", async (request, reply) => {
    account.nodes.enableScheduling(request.params.poolId, request.params.nodeId);
    await account.store.flush();
    return sendEmpty(reply, 200);
  });

  app.post<NodeParams>("/pools/:poolId/nodes/:nodeId/uploadbatchservicelogs", async (request, reply) => {
    const params = validateUploadLogs(request.body);
    const { poolId, nodeId } = request.params;
    return sendJson(reply, await uploadServiceLogs(account, poolId, nodeId, params));
  });

  app.get<NodeParams>("/pools/:poolId/nodes/:nodeId", async (request, reply) => {
    const select = readSelect(request, ComputeNode);
    const { pool, node } = account.nodes.get(request.params.poolId, request.params.nodeId);
    const body = {
      "odata.metadata": `${endpoint()}/$metadata#nodes/@Element`,
      ...applySelect(view(pool, node), select),
    };
    return sendJson(reply, body);
  });
}
