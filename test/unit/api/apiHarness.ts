/**
 * Shared by the REST API tests: the real service started in-process on a temporary data directory,
 * requests signed with SharedKey by protocol/sharedKey.ts (as client/http.ts signs them) and sent with
 * the global fetch, and an assertion for Azure's error body.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "vitest";
import { BATCH_CONTENT_TYPE } from "../../../client/http.js";
import { API_VERSION } from "../../../protocol/apiVersion.js";
import { BatchError, type BatchErrorBody, type ErrorCode } from "../../../protocol/errors.js";
import { authorizationHeader, signableRequest } from "../../../protocol/sharedKey.js";
import { startService } from "../../../service/main.js";

/** Where requests go and what they are signed with (spread and override it to sign wrongly). */
export interface ApiTarget {
  endpoint: string;
  accountName: string;
  accountKey: string;
}

export interface ApiService extends ApiTarget {
  dataDir: string;
  /** Log lines the service wrote (kept off stderr). */
  log: string[];
  /** Stops the service; the data directory stays (to start another service on it). */
  close(): Promise<void>;
  /** Stops the service and removes its data directory. */
  dispose(): Promise<void>;
}

const ACCOUNT_NAME = "apitest";

export function makeDataDir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `openbatch-api-${name}-`));
}

/** Starts the service on a free loopback port over `dataDir` (a new temporary one by default). */
export async function startApi(name: string, dataDir = makeDataDir(name)): Promise<ApiService> {
  const log: string[] = [];
  const service = await startService({
    host: "127.0.0.1",
    port: 0,
    dataDir,
    accountName: ACCOUNT_NAME,
    log: (line) => log.push(line),
  });
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= service.close();
    return closed;
  };
  const dispose = async () => {
    await close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  return { ...service, dataDir, log, close, dispose };
}

/**
 * The headers `signedRequest` sends for `target` (path and query as on the wire) and `text` (the body
 * as sent): `ocp-date`, the JSON content type `@azure/batch` uses, `headers`, and the SharedKey
 * `authorization`.
 */
export function signedHeaders(
  service: ApiTarget,
  method: string,
  target: string,
  text?: string,
  headers: Record<string, string> = {},
): Record<string, string> {
  const sent: Record<string, string> = {
    "ocp-date": new Date().toUTCString(),
    "content-type": BATCH_CONTENT_TYPE,
    ...headers,
  };
  // fetch adds Content-Length itself; it is part of the signed string.
  const signed = {
    ...sent,
    "content-length": text === undefined ? undefined : String(Buffer.byteLength(text)),
  };
  sent.authorization = authorizationHeader(
    service.accountName,
    service.accountKey,
    signableRequest(method, target, signed),
  );
  return sent;
}

/**
 * Sends `target` (path and query, or an absolute URL such as an `odata.nextLink`) exactly as given,
 * signed for `service`. A string body is sent verbatim (to send malformed JSON); anything else as JSON.
 */
export async function signedRequest(
  service: ApiTarget,
  method: string,
  target: string,
  body?: unknown,
  headers?: Record<string, string>,
): Promise<Response> {
  const url = new URL(target, `${service.endpoint}/`);
  const text = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
  // Signed as fetch puts the path and query on the wire (the URL parser normalizes them).
  const sent = signedHeaders(service, method, url.pathname + url.search, text, headers);
  return fetch(url, { method, headers: sent, body: text });
}

/** `signedRequest` with `api-version=2022-10-01.16.0` added to the query unless it is already there. */
export function signedFetch(
  service: ApiTarget,
  method: string,
  target: string,
  body?: unknown,
  headers?: Record<string, string>,
): Promise<Response> {
  const url = new URL(target, `${service.endpoint}/`);
  if (!url.searchParams.has("api-version")) {
    url.search += `${url.search ? "&" : "?"}api-version=${API_VERSION}`;
  }
  return signedRequest(service, method, url.href, body, headers);
}

/** The response when it has `status`, else a failure that shows the body (Azure's error). */
export async function expectOk(response: Response, status = 200): Promise<Response> {
  if (response.status !== status) {
    throw new Error(`expected ${status}, got ${response.status}: ${await response.text()}`);
  }
  return response;
}

/**
 * Asserts an Azure error response: `status`, the body's `code`, a non-empty `message.value`, and that
 * `values` holds every given key (with the given value, or any non-empty one when `undefined`).
 */
export async function expectBatchError(
  response: Response,
  status: number,
  code: ErrorCode,
  values: Record<string, string | undefined> = {},
): Promise<BatchErrorBody> {
  const body = (await response.json()) as BatchErrorBody;
  expect({ status: response.status, code: body.code }).toEqual({ status, code });
  expect(typeof body.message?.value).toBe("string");
  expect(body.message.value.trim()).not.toBe("");
  expect(body.message.lang).toBe("en-US");
  expect(response.headers.get("request-id")).toBeTruthy();
  for (const [key, value] of Object.entries(values)) {
    const found = body.values?.find((v) => v.key === key);
    expect(found, `values should hold ${key} in ${JSON.stringify(body.values)}`).toBeDefined();
    if (value === undefined) expect(found!.value).not.toBe("");
    else expect(found!.value).toBe(value);
  }
  return body;
}

/** A pool that never starts a node (no agent processes). */
export function emptyPool(id: string): { id: string; vmSize: string; targetDedicatedNodes: number } {
  return { id, vmSize: "small", targetDedicatedNodes: 0 };
}

/** Adds an empty pool and a job on it (both must be new). */
export async function addPoolAndJob(service: ApiTarget, poolId: string, jobId: string): Promise<void> {
  await expectOk(await signedFetch(service, "POST", "/pools", emptyPool(poolId)), 201);
  await expectOk(await signedFetch(service, "POST", "/jobs", { id: jobId, poolInfo: { poolId } }), 201);
}

/** The BatchError `run` throws; fails when it returns or throws anything else. */
export function thrownBatchError(run: () => unknown): BatchError {
  try {
    run();
  } catch (error) {
    if (error instanceof BatchError) return error;
    throw error;
  }
  throw new Error("expected a BatchError, but nothing was thrown");
}
