import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { signableRequest, verifyAuthorization } from "../../../protocol/sharedKey.js";

export interface ReceivedRequest {
  method: string;
  /** Raw request target, as sent: `/pools?api-version=...`. */
  url: string;
  /** Path without the query, still percent-encoded. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Routes keyed by `"METHOD /raw/path"`. */
export type Routes = Record<string, (request: ReceivedRequest) => Reply>;

export interface FakeBatchService {
  endpoint: string;
  accountName: string;
  accountKey: string;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

export function azureError(status: number, code: string, value: string): Reply {
  return { status, body: { code, message: { lang: "en-US", value } } };
}

/**
 * A real HTTP server on 127.0.0.1 that refuses anything not signed for its account (checked with
 * `verifyAuthorization`, as the service does) and answers from `routes`.
 */
export async function startFakeBatchService(
  routes: Routes,
  accountName = "testaccount",
): Promise<FakeBatchService> {
  const accountKey = randomBytes(32).toString("base64");
  const requests: ReceivedRequest[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = req.url ?? "/";
    const parsed = new URL(url, "http://fake");
    const request: ReceivedRequest = {
      method: req.method ?? "GET",
      url,
      path: url.split("?")[0]!,
      query: parsed.searchParams,
      headers: req.headers,
      body: Buffer.concat(chunks).toString("utf8"),
    };
    requests.push(request);
    const verdict = verifyAuthorization(
      accountName,
      accountKey,
      signableRequest(request.method, url, req.headers),
    );
    const route = routes[`${request.method} ${request.path}`];
    const reply = !verdict.ok
      ? azureError(403, "AuthenticationFailed", verdict.reason)
      : route
        ? route(request)
        : azureError(404, "OperationNotFound", `no fake route for ${request.method} ${request.path}`);
    const isBytes = reply.body instanceof Uint8Array;
    const payload =
      reply.body === undefined ? "" : isBytes ? (reply.body as Uint8Array) : JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      ...(reply.body === undefined
        ? {}
        : { "content-type": isBytes ? "application/octet-stream" : "application/json" }),
      ...reply.headers,
    });
    res.end(request.method === "HEAD" ? undefined : payload);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    accountName,
    accountKey,
    requests,
    close: () =>
      new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/** The last request the fake received for `method path`; fails the test when there was none. */
export function lastRequestTo(service: FakeBatchService, method: string, path: string): ReceivedRequest {
  const found = service.requests.filter((r) => r.method === method && r.path === path).at(-1);
  if (!found) throw new Error(`no ${method} ${path} received`);
  return found;
}
