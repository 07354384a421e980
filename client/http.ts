import { randomUUID } from "node:crypto";
import { API_VERSION } from "../protocol/apiVersion.js";
import type { BatchErrorBody } from "../protocol/errors.js";
import { authorizationHeader, signableRequest } from "../protocol/sharedKey.js";
import { BatchConnectionError, BatchRequestError } from "./errors.js";

export interface BatchClientOptions {
  /** Base URL of the account service, e.g. `http://127.0.0.1:8765`. */
  endpoint: string;
  accountName: string;
  /** The account key, base64. */
  accountKey: string;
}

/** The content type `@azure/batch` sends on every request; the service may rely on it. */
export const BATCH_CONTENT_TYPE = "application/json; odata=minimalmetadata; charset=utf-8";

export type QueryValue = string | number | boolean | undefined;

export interface BatchRequest {
  method: "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path below the endpoint with its segments already encoded; build it with `batchPath`. */
  path: string;
  query?: Record<string, QueryValue>;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as they are, instead of a JSON body (blobs of the account's file store); set the content type in `headers`. */
  bytes?: Uint8Array;
  headers?: Record<string, string>;
  /** Non-2xx statuses the caller handles itself instead of getting a `BatchRequestError`. */
  acceptStatus?: readonly number[];
}

/**
 * Encodes each interpolated id as one path segment, as `@azure/batch` does (`encodeURIComponent`,
 * so a file path `wd/out.txt` travels as `wd%2Fout.txt`).
 */
export function batchPath(strings: TemplateStringsArray, ...segments: string[]): string {
  return strings.reduce(
    (path, text, i) => path + text + (i < segments.length ? encodeURIComponent(segments[i]!) : ""),
    "",
  );
}

/** Signs requests with SharedKey, sends them with `fetch`, and turns failures into typed errors. */
export class BatchHttp {
  readonly endpoint: string;

  constructor(private readonly options: BatchClientOptions) {
    this.endpoint = options.endpoint.replace(/\/+$/, "");
  }

  async send(request: BatchRequest): Promise<Response> {
    // Names stay literal and values use %20 for spaces, as on the wire from @azure/batch (`$filter=state%20eq...`).
    const query = Object.entries({ ...request.query, "api-version": API_VERSION })
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => `${name}=${encodeURIComponent(String(value))}`)
      .join("&");
    return this.sendTo(new URL(`${this.endpoint}${request.path}?${query}`), request);
  }

  async json<T>(request: BatchRequest): Promise<T> {
    return (await (await this.send(request)).json()) as T;
  }

  /** GETs an `odata.nextLink`, absolute or relative to the endpoint. */
  async jsonAt<T>(link: string): Promise<T> {
    const url = new URL(link, `${this.endpoint}/`);
    if (!url.searchParams.has("api-version")) url.searchParams.set("api-version", API_VERSION);
    return (await (await this.sendTo(url, { method: "GET" })).json()) as T;
  }

  private async sendTo(url: URL, request: Omit<BatchRequest, "path" | "query">): Promise<Response> {
    const body = request.bytes ?? (request.body === undefined ? undefined : JSON.stringify(request.body));
    const headers: Record<string, string> = {
      "ocp-date": new Date().toUTCString(),
      "client-request-id": randomUUID(),
      "content-type": BATCH_CONTENT_TYPE,
      accept: "application/json",
      ...request.headers,
    };
    // fetch adds Content-Length itself; it is part of the signed string, so sign what it will send.
    const signed = {
      ...headers,
      "content-length": body === undefined ? undefined : String(Buffer.byteLength(body)),
    };
    const target = url.pathname + url.search;
    headers.authorization = authorizationHeader(
      this.options.accountName,
      this.options.accountKey,
      signableRequest(request.method, target, signed),
    );

    let response: Response;
    try {
      response = await fetch(url, { method: request.method, headers, body });
    } catch (error) {
      throw new BatchConnectionError(this.endpoint, error);
    }
    if (response.ok || request.acceptStatus?.includes(response.status)) return response;
    throw await requestError(request.method, target, response);
  }
}

async function requestError(method: string, target: string, response: Response): Promise<BatchRequestError> {
  const text = await response.text();
  const requestId = response.headers.get("request-id") ?? undefined;
  const body = parseErrorBody(text);
  if (body) {
    return new BatchRequestError({
      code: body.code,
      status: response.status,
      message: body.message.value,
      values: body.values,
      requestId,
    });
  }
  const detail = text ? `: ${text.slice(0, 500)}` : " without an error body";
  return new BatchRequestError({
    code: "UnexpectedResponse",
    status: response.status,
    message: `${method} ${target} answered ${response.status} ${response.statusText}${detail}`,
    requestId,
  });
}

function parseErrorBody(text: string): BatchErrorBody | undefined {
  try {
    const body = JSON.parse(text) as Partial<BatchErrorBody> | null;
    if (typeof body?.code === "string" && typeof body.message?.value === "string")
      return body as BatchErrorBody;
  } catch {
    // Not JSON: reported as an unexpected response.
  }
  return undefined;
}
