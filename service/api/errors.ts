/**
 * Every failure leaves as Azure's error body (`{"code","message":{"lang","value"},"values"}`) with the
 * status of its code in protocol/errors.ts: BatchErrors as thrown, fastify's own errors mapped to the
 * nearest Azure code, anything unexpected as `InternalError` (logged here, never sent as a stack).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { BatchError, isBatchError } from "../../protocol/errors.js";
import { JSON_CONTENT_TYPE } from "./responses.js";

export type ApiLog = (line: string) => void;

export function registerErrorHandling(app: FastifyInstance, endpoint: () => string, log: ApiLog): void {
  app.setErrorHandler((error: unknown, request, reply) => {
    const batchError = toBatchError(error, request, log);
    sendError(request, reply, batchError, endpoint());
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0];
    const error = new BatchError(
      "OperationNotFound",
      `${request.method} ${path} is not an operation of this service (Azure Batch api-version 2022-10-01.16.0).`,
    );
    sendError(request, reply, error, endpoint());
  });
}

export function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  error: BatchError,
  endpoint: string,
): void {
  const body = {
    "odata.metadata": `${endpoint}/$metadata#Microsoft.Azure.Batch.Protocol.Entities.Container.errors/@Element`,
    ...error.toBody(request.id),
  };
  reply.status(error.status).header("content-type", JSON_CONTENT_TYPE).send(body);
}

function toBatchError(error: unknown, request: FastifyRequest, log: ApiLog): BatchError {
  if (isBatchError(error)) return error;
  const fastifyError = error as Partial<FastifyError>;
  const status = typeof fastifyError.statusCode === "number" ? fastifyError.statusCode : 500;
  if (fastifyError.code === "FST_ERR_CTP_BODY_TOO_LARGE" || status === 413) {
    return new BatchError(
      "RequestBodyTooLarge",
      "Send a smaller body (for addtaskcollection: fewer tasks per call).",
    );
  }
  if (fastifyError.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE" || status === 415) {
    return new BatchError("InvalidHeaderValue", "The Content-Type must be application/json.", [
      { key: "HeaderName", value: "Content-Type" },
      { key: "HeaderValue", value: String(request.headers["content-type"] ?? "") },
    ]);
  }
  if (status === 404)
    return new BatchError("OperationNotFound", `${request.method} ${request.url.split("?")[0]}.`);
  if (status >= 400 && status < 500) {
    return new BatchError("InvalidRequestBody", fastifyError.message ?? "The request could not be read.");
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  log(`request ${request.id} ${request.method} ${request.url.split("?")[0]} failed: ${detail}`);
  return new BatchError("InternalError", `Request id: ${request.id}.`);
}
