/**
 * The headers Azure Batch puts on responses: `request-id` on every one, `client-request-id` echoed
 * when asked for, `DataServiceVersion`, and for single entities `ETag`/`Last-Modified` (plus
 * `DataServiceId`/`Location` on creates and on the 202s that have them).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

export const JSON_CONTENT_TYPE = "application/json;odata=minimalmetadata";

/** What a single-entity response describes in its headers. */
export interface EntityHeaders {
  eTag: string;
  /** ISO 8601; sent as an HTTP date. */
  lastModified: string;
  /** The entity's URL, sent as `DataServiceId` (and as `Location` on a 201). */
  url?: string;
}

export function registerCommonHeaders(app: FastifyInstance): void {
  app.addHook("onSend", async (request, reply, payload) => {
    reply.header("request-id", request.id);
    const echo = clientRequestId(request);
    if (echo !== undefined) reply.header("client-request-id", echo);
    reply.header("DataServiceVersion", "3.0");
    return payload;
  });
}

/** The caller's `client-request-id`, when it asked for it back with `return-client-request-id: true`. */
function clientRequestId(request: FastifyRequest): string | undefined {
  const wanted = String(request.headers["return-client-request-id"] ?? "").toLowerCase() === "true";
  if (!wanted) return undefined;
  const id = request.headers["client-request-id"] ?? request.headers["x-ms-client-request-id"];
  return Array.isArray(id) ? id[0] : id;
}

export function httpDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toUTCString();
}

export function setEntityHeaders(reply: FastifyReply, entity: EntityHeaders): FastifyReply {
  reply.header("ETag", entity.eTag).header("Last-Modified", httpDate(entity.lastModified));
  if (entity.url) reply.header("DataServiceId", entity.url);
  return reply;
}

/** 200 with a JSON body (an entity when `entity` is given). */
export function sendJson(reply: FastifyReply, body: unknown, entity?: EntityHeaders): FastifyReply {
  if (entity) setEntityHeaders(reply, { eTag: entity.eTag, lastModified: entity.lastModified });
  return reply.status(200).header("content-type", JSON_CONTENT_TYPE).send(body);
}

/** 201 Created for `entity`, with `DataServiceId` and `Location` set to its URL. */
export function sendCreated(reply: FastifyReply, entity: EntityHeaders & { url: string }): FastifyReply {
  setEntityHeaders(reply, entity).header("Location", entity.url);
  return reply.status(201).send();
}

/** A bodiless success (`202 Accepted`, `200` of a delete, `204`), with entity headers where Azure sends them. */
export function sendEmpty(
  reply: FastifyReply,
  status: 200 | 202 | 204,
  entity?: EntityHeaders,
): FastifyReply {
  if (entity) setEntityHeaders(reply, entity);
  return reply.status(status).send();
}
