/**
 * What a new machine needs to become a node (OpenBatch extensions): the agent bundle, public because
 * it holds code and no secret (`GET`/`HEAD /openbatch/agent/bundle.tar.gz`, with a sha256 ETag), and
 * a pool's join information, which holds the pool's join token and so needs the account key
 * (`GET /openbatch/pools/{poolId}/join`).
 */
import fs from "node:fs";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AGENT_WS_PATH } from "../../../protocol/agent.js";
import { BatchError } from "../../../protocol/errors.js";
import type { PoolJoinInformation } from "../../../protocol/rest/poolJoin.js";
import { AGENT_BUNDLE_PATH, type AgentBundle } from "../../agentBundle/agentBundle.js";
import { sendJson } from "../responses.js";
import type { RouteContext } from "../routeContext.js";

type PoolParams = { Params: { poolId: string } };

export function nodeBootstrapRoutes(
  app: FastifyInstance,
  { account }: RouteContext,
  bundle: AgentBundle,
): void {
  const serveBundle = async (request: FastifyRequest, reply: FastifyReply) => {
    let built: Awaited<ReturnType<AgentBundle["get"]>>;
    try {
      built = await bundle.get();
    } catch (error) {
      throw new BatchError(
        "InternalError",
        `The agent bundle could not be built: ${(error as Error).message}`,
      );
    }
    const eTag = `"${built.sha256}"`;
    reply.header("ETag", eTag).header("x-openbatch-sha256", built.sha256).header("cache-control", "no-cache");
    if (request.headers["if-none-match"] === eTag) return reply.status(304).send();
    reply.header("content-type", "application/gzip").header("content-length", built.size);
    if (request.method === "HEAD") return reply.status(200).send();
    return reply.status(200).send(fs.createReadStream(built.file));
  };
  app.get(AGENT_BUNDLE_PATH, { config: { openbatchPublic: true } }, serveBundle);
  app.head(AGENT_BUNDLE_PATH, { config: { openbatchPublic: true } }, serveBundle);

  app.get<PoolParams>("/openbatch/pools/:poolId/join", async (request, reply) => {
    const pool = account.pools.get(request.params.poolId);
    if (pool.state === "deleting") throw new BatchError("PoolBeingDeleted", `Pool id: ${pool.id}.`);
    // The URLs as the caller reached the service: behind a proxy or on a public address, that is
    // where the pool's machines reach it too.
    const forwarded = request.headers["x-forwarded-proto"];
    const scheme = (Array.isArray(forwarded) ? forwarded[0] : forwarded) ?? request.protocol;
    const base = `${scheme}://${request.host}`;
    const body: PoolJoinInformation = {
      serviceUrl: `${base.replace(/^http/, "ws")}${AGENT_WS_PATH}`,
      joinToken: pool.joinToken,
      bundleUrl: `${base}${AGENT_BUNDLE_PATH}`,
    };
    return sendJson(reply, body);
  });
}
