/**
 * SharedKey authentication and the `api-version` check, as onRequest hooks on every REST route.
 * Routes registered with `config: { openbatchPublic: true }` (the `/openbatch/...` extensions that
 * must work without a key, such as the health check) skip both.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { API_VERSION } from "../../protocol/apiVersion.js";
import { BatchError } from "../../protocol/errors.js";
import { signableRequest, verifyAuthorization } from "../../protocol/sharedKey.js";
import { type StoragePermission, verifyContainerToken } from "../../protocol/storageToken.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** Served without SharedKey and without `api-version` (OpenBatch extensions only). */
    openbatchPublic?: boolean;
  }
}

export function isPublicRoute(request: FastifyRequest): boolean {
  return request.routeOptions.config?.openbatchPublic === true;
}

export function registerSharedKey(app: FastifyInstance, accountName: string, accountKey: string): void {
  app.addHook("onRequest", async (request) => {
    if (isPublicRoute(request)) return;
    const verdict = verifyAuthorization(
      accountName,
      accountKey,
      signableRequest(request.method, request.raw.url ?? request.url, request.headers),
    );
    if (!verdict.ok) throw new BatchError("AuthenticationFailed", `Reason: ${verdict.reason}`);
  });
}

/** Every Azure Batch operation needs `api-version=2022-10-01.16.0`. Unknown routes answer 404 instead. */
export function registerApiVersionCheck(app: FastifyInstance): void {
  app.addHook("onRequest", async (request) => {
    if (isPublicRoute(request) || request.is404) return;
    checkApiVersion(request.query as Record<string, unknown>);
  });
}

export function checkApiVersion(query: Record<string, unknown>): void {
  const given = query["api-version"];
  const values = (Array.isArray(given) ? given : [given]).filter((v): v is string => typeof v === "string");
  if (values.length === 0) {
    throw new BatchError(
      "MissingRequiredQueryParameter",
      `Add api-version=${API_VERSION} to the query string.`,
      [{ key: "QueryParameterName", value: "api-version" }],
    );
  }
  const wrong = values.find((v) => v !== API_VERSION);
  if (wrong !== undefined) {
    throw new BatchError("UnsupportedApiVersion", `The request asked for api-version '${wrong}'.`, [
      { key: "QueryParameterName", value: "api-version" },
      { key: "QueryParameterValue", value: wrong },
    ]);
  }
}

/**
 * For the public routes that serve files (the file store, application package archives): SharedKey,
 * or a token in the query string (protocol/storageToken.ts) signed for `scope` that grants `needed`.
 */
export function verifyKeyOrToken(
  request: FastifyRequest,
  account: { accountName: string; accountKey: string },
  scope: string,
  needed: StoragePermission,
): void {
  const query = request.query as Record<string, string | undefined>;
  if (query.sig !== undefined) {
    const verdict = verifyContainerToken(account.accountName, account.accountKey, scope, query, needed);
    if (!verdict.ok) throw new BatchError("AuthenticationFailed", `Reason: ${verdict.reason}.`);
    return;
  }
  const verdict = verifyAuthorization(
    account.accountName,
    account.accountKey,
    signableRequest(request.method, request.raw.url ?? request.url, request.headers),
  );
  if (!verdict.ok) throw new BatchError("AuthenticationFailed", `Reason: ${verdict.reason}`);
}
