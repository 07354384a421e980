/**
 * `/pools`: add, list, get, exists (HEAD), delete, resize, removenodes, stopresize, updateproperties,
 * enableautoscale, disableautoscale, evaluateautoscale.
 */
import type { FastifyInstance } from "fastify";
import { BatchError } from "../../../protocol/errors.js";
import { NodeRemoveParameter } from "../../../protocol/rest/node.js";
import {
  Pool,
  PoolAddParameter,
  PoolEnableAutoScaleParameter,
  PoolEvaluateAutoScaleParameter,
  PoolResizeParameter,
  PoolUpdatePropertiesParameter,
} from "../../../protocol/rest/pool.js";
import type { PoolRecord } from "../../core/records.js";
import { eTag, poolUrl, poolView } from "../../core/views.js";
import { fillPage, listBody, readExpandStats, readListQuery, readSelect } from "../listing.js";
import { applySelect } from "../odata.js";
import { sendCreated, sendEmpty, sendJson } from "../responses.js";
import type { RouteContext } from "../routeContext.js";
import { bodyValidator } from "../validation.js";

type PoolParams = { Params: { poolId: string } };

const validatePoolAdd = bodyValidator(PoolAddParameter, "PoolAddParameter");
const validateEnableAutoScale = bodyValidator(PoolEnableAutoScaleParameter, "PoolEnableAutoScaleParameter");
const validateEvaluateAutoScale = bodyValidator(
  PoolEvaluateAutoScaleParameter,
  "PoolEvaluateAutoScaleParameter",
);
const validatePoolResize = bodyValidator(PoolResizeParameter, "PoolResizeParameter");
const validateNodeRemove = bodyValidator(NodeRemoveParameter, "NodeRemoveParameter");
const validateUpdateProperties = bodyValidator(
  PoolUpdatePropertiesParameter,
  "PoolUpdatePropertiesParameter",
);

export function poolRoutes(app: FastifyInstance, { account, endpoint }: RouteContext): void {
  const { store } = account;
  const headersOf = (pool: PoolRecord, withUrl: boolean) => ({
    eTag: eTag(pool.version),
    lastModified: pool.lastModified,
    url: withUrl ? poolUrl(endpoint(), pool.id) : undefined,
  });
  /** The pool as Azure shows it, with its statistics when `$expand=stats` asked for them. */
  const view = (pool: PoolRecord, stats: boolean): Pool => {
    const shown = poolView(endpoint(), pool, store.listNodes(pool.id));
    if (stats)
      shown.stats = account.agents.health.poolStatistics(
        `${poolUrl(endpoint(), pool.id)}/stats`,
        pool.id,
        pool.creationTime,
      );
    return shown;
  };
  /** The pool as stored after a command (the command may have changed it again), or the record it returned. */
  const current = (pool: PoolRecord) => store.getPool(pool.id) ?? pool;

  app.post("/pools", async (request, reply) => {
    const pool = account.pools.add(validatePoolAdd(request.body));
    await store.flush();
    return sendCreated(reply, { ...headersOf(current(pool), true), url: poolUrl(endpoint(), pool.id) });
  });

  app.get("/pools", async (request, reply) => {
    const query = readListQuery(request, Pool);
    const stats = readExpandStats(request);
    const page = fillPage(
      query,
      (afterSeq, limit) => store.listPools({ afterSeq, limit }),
      (pool) => view(pool, stats),
    );
    const expand = stats ? { $expand: "stats" } : {};
    return sendJson(reply, listBody(request, endpoint(), "pools", query, page, expand));
  });

  app.get<PoolParams>("/pools/:poolId", async (request, reply) => {
    const select = readSelect(request, Pool);
    const stats = readExpandStats(request);
    const pool = account.pools.get(request.params.poolId);
    const body = {
      "odata.metadata": `${endpoint()}/$metadata#pools/@Element`,
      ...applySelect(view(pool, stats), select),
    };
    return sendJson(reply, body, headersOf(pool, false));
  });

  app.head<PoolParams>("/pools/:poolId", async (request, reply) => {
    const pool = store.getPool(request.params.poolId);
    if (!pool) throw new BatchError("PoolNotFound", `Pool id: ${request.params.poolId}.`);
    return sendEmpty(reply, 200, headersOf(pool, false));
  });

  app.delete<PoolParams>("/pools/:poolId", async (request, reply) => {
    account.pools.delete(request.params.poolId);
    await store.flush();
    return sendEmpty(reply, 202);
  });

  app.post<PoolParams>("/pools/:poolId/resize", async (request, reply) => {
    const params = validatePoolResize(request.body);
    account.pools.resize(request.params.poolId, params);
    await store.flush();
    return sendEmpty(reply, 202, headersOf(account.pools.get(request.params.poolId), true));
  });

  app.post<PoolParams>("/pools/:poolId/removenodes", async (request, reply) => {
    account.pools.removeNodes(request.params.poolId, validateNodeRemove(request.body));
    await store.flush();
    return sendEmpty(reply, 202, headersOf(account.pools.get(request.params.poolId), true));
  });

  app.post<PoolParams>("/pools/:poolId/stopresize", async (request, reply) => {
    account.pools.stopResize(request.params.poolId);
    await store.flush();
    return sendEmpty(reply, 202, headersOf(account.pools.get(request.params.poolId), true));
  });

  app.post<PoolParams>("/pools/:poolId/updateproperties", async (request, reply) => {
    account.pools.updateProperties(request.params.poolId, validateUpdateProperties(request.body));
    await store.flush();
    return sendEmpty(reply, 204, headersOf(account.pools.get(request.params.poolId), true));
  });

  app.post<PoolParams>("/pools/:poolId/enableautoscale", async (request, reply) => {
    account.autoscale.enable(request.params.poolId, validateEnableAutoScale(request.body));
    await store.flush();
    return sendEmpty(reply, 200, headersOf(account.pools.get(request.params.poolId), true));
  });

  app.post<PoolParams>("/pools/:poolId/disableautoscale", async (request, reply) => {
    account.autoscale.disable(request.params.poolId);
    await store.flush();
    return sendEmpty(reply, 200, headersOf(account.pools.get(request.params.poolId), true));
  });

  app.post<PoolParams>("/pools/:poolId/evaluateautoscale", async (request, reply) => {
    const { autoScaleFormula } = validateEvaluateAutoScale(request.body);
    const run = account.autoscale.evaluate(request.params.poolId, autoScaleFormula);
    const body = {
      "odata.metadata": `${endpoint()}/$metadata#Microsoft.Azure.Batch.Protocol.Entities.AutoScaleRun`,
      ...run,
    };
    return sendJson(reply, body, headersOf(account.pools.get(request.params.poolId), true));
  });
}
