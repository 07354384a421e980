import { randomBytes } from "node:crypto";
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { WebResource } from "@azure/ms-rest-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_VERSION } from "../../../protocol/apiVersion.js";
import {
  authorizationHeader,
  type SignableRequest,
  signableRequest,
  stringToSign,
  verifyAuthorization,
} from "../../../protocol/sharedKey.js";
import { type FakeBatchService, startFakeBatchService } from "./fakeBatchService.js";

const accountName = "myaccount";
const accountKey = randomBytes(32).toString("base64");
const endpoint = "http://127.0.0.1:8765";
const contentType = "application/json; odata=minimalmetadata; charset=utf-8";

/** Signs like `@azure/batch` does, then returns the request as the service receives it. */
async function signedByAzureSdk(method: "GET" | "POST" | "DELETE", target: string, body?: string) {
  const resource = new WebResource(endpoint + target, method, body);
  resource.headers.set("Content-Type", contentType);
  resource.headers.set("client-request-id", "3c8f1b6e-0000-4000-8000-000000000000");
  await new BatchSharedKeyCredentials(accountName, accountKey).signRequest(resource);
  const headers: Record<string, string> = {};
  for (const { name, value } of resource.headers.headersArray()) headers[name.toLowerCase()] = value;
  // What node-fetch adds on the wire.
  if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
  else if (method === "POST") headers["content-length"] = "0";
  return signableRequest(method, resource.url.slice(endpoint.length), headers);
}

describe("SharedKey matches @azure/batch's BatchSharedKeyCredentials", () => {
  it("accepts a GET with an OData filter (spaces, quotes) and maxresults", async () => {
    const filter = encodeURIComponent("state eq 'active' and id ne 'a b'");
    const req = await signedByAzureSdk(
      "GET",
      `/pools?api-version=${API_VERSION}&$filter=${filter}&maxresults=10`,
    );
    expect(verifyAuthorization(accountName, accountKey, req)).toEqual({ ok: true });
    expect(stringToSign(req, accountName)).toContain(
      `/${accountName}/pools\n$filter:state eq 'active' and id ne 'a b'\napi-version:${API_VERSION}\nmaxresults:10`,
    );
  });

  it("accepts a query encoded with + for spaces, as URLSearchParams writes it", async () => {
    const req = await signedByAzureSdk(
      "GET",
      `/jobs?api-version=${API_VERSION}&%24filter=state+eq+%27active%27`,
    );
    expect(verifyAuthorization(accountName, accountKey, req)).toEqual({ ok: true });
  });

  it("accepts a POST with a JSON body whose byte length differs from its character count", async () => {
    const body = JSON.stringify({ id: "p1", vmSize: "standard_d2s_v3", displayName: "pool é ü 日本" });
    const req = await signedByAzureSdk("POST", `/pools?api-version=${API_VERSION}`, body);
    expect(verifyAuthorization(accountName, accountKey, req)).toEqual({ ok: true });
  });

  it("accepts a POST without a body (signed with Content-Length 0) and a DELETE (signed with none)", async () => {
    const post = await signedByAzureSdk("POST", `/pools/p1/stopresize?api-version=${API_VERSION}`);
    expect(verifyAuthorization(accountName, accountKey, post)).toEqual({ ok: true });
    const del = await signedByAzureSdk("DELETE", `/pools/p1?api-version=${API_VERSION}`);
    expect(verifyAuthorization(accountName, accountKey, del)).toEqual({ ok: true });
    expect(stringToSign(del, accountName).split("\n")[3]).toBe("");
  });

  it("signs the path as sent, percent-encoding included", async () => {
    const req = await signedByAzureSdk(
      "GET",
      `/jobs/j1/tasks/t1/files/wd%2Fout%20file.txt?api-version=${API_VERSION}`,
    );
    expect(verifyAuthorization(accountName, accountKey, req)).toEqual({ ok: true });
    expect(stringToSign(req, accountName)).toContain(
      `/${accountName}/jobs/j1/tasks/t1/files/wd%2Fout%20file.txt\n`,
    );
  });

  it("produces the same Authorization header as @azure/batch", async () => {
    const req = await signedByAzureSdk("GET", `/pools/p1?api-version=${API_VERSION}`);
    expect(authorizationHeader(accountName, accountKey, req)).toBe(req.headers.authorization);
  });
});

describe("verifyAuthorization refuses", () => {
  let req: SignableRequest;
  beforeAll(async () => {
    req = await signedByAzureSdk("GET", `/pools/p1?api-version=${API_VERSION}`);
  });

  it("a request signed with another key", () => {
    const result = verifyAuthorization(accountName, randomBytes(32).toString("base64"), req);
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining("signature does not match") });
  });

  it("a tampered path, and says which string it signed", () => {
    const result = verifyAuthorization(accountName, accountKey, { ...req, path: "/pools/p2" });
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining("/myaccount/pools/p2") });
  });

  it("a tampered ocp-date", () => {
    const headers = { ...req.headers, "ocp-date": new Date(0).toUTCString() };
    expect(verifyAuthorization(accountName, accountKey, { ...req, headers }).ok).toBe(false);
  });

  it("a missing Authorization header", () => {
    const { authorization: _, ...headers } = req.headers;
    expect(verifyAuthorization(accountName, accountKey, { ...req, headers })).toMatchObject({
      ok: false,
      reason: expect.stringContaining("Authorization header is missing"),
    });
  });

  it("a malformed Authorization header", () => {
    const headers = { ...req.headers, authorization: "Bearer abc" };
    expect(verifyAuthorization(accountName, accountKey, { ...req, headers })).toMatchObject({
      ok: false,
      reason: expect.stringContaining("SharedKey <account>:<signature>"),
    });
  });

  it("another account, but accepts the account name in another case", () => {
    expect(verifyAuthorization("other", accountKey, req)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("signed for account 'myaccount'"),
    });
    expect(verifyAuthorization("MyAccount", accountKey, req)).toEqual({ ok: true });
  });

  it("everything when the service's own key is not base64", () => {
    expect(verifyAuthorization(accountName, "not base64!", req)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("not valid base64"),
    });
  });
});

describe("the official BatchServiceClient over HTTP", () => {
  let service: FakeBatchService;
  let client: BatchServiceClient;
  beforeAll(async () => {
    service = await startFakeBatchService({
      "GET /pools": () => ({ status: 200, body: { value: [] } }),
      "POST /pools": () => ({ status: 201 }),
      "DELETE /pools/p1": () => ({ status: 202 }),
      "POST /pools/p1/stopresize": () => ({ status: 202 }),
      "POST /jobs/j1/terminate": () => ({ status: 202 }),
      "POST /jobs/j1/addtaskcollection": () => ({
        status: 200,
        body: { value: [{ status: "success", taskId: "t1" }] },
      }),
      "GET /jobs/j1/tasks/t1/files/wd%2Fout%20file.txt": () => ({
        status: 200,
        body: new TextEncoder().encode("hi"),
      }),
    });
    client = new BatchServiceClient(
      new BatchSharedKeyCredentials(service.accountName, service.accountKey),
      service.endpoint,
    );
  });
  afterAll(() => service.close());

  it("is accepted for lists, adds, deletes, bodiless POSTs, collections and file paths", async () => {
    await client.pool.list({ poolListOptions: { filter: "state eq 'active'", maxResults: 5 } });
    await client.pool.add({ id: "p1", vmSize: "standard_d2s_v3", displayName: "é" });
    await client.pool.deleteMethod("p1");
    await client.pool.stopResize("p1");
    await client.job.terminate("j1", { terminateReason: "done" });
    await client.task.addCollection("j1", [{ id: "t1", commandLine: "echo" }]);
    const file = await client.file.getFromTask("j1", "t1", "wd/out file.txt");
    for await (const _ of file.readableStreamBody!) {
      // drain
    }
    expect(service.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /pools",
      "POST /pools",
      "DELETE /pools/p1",
      "POST /pools/p1/stopresize",
      "POST /jobs/j1/terminate",
      "POST /jobs/j1/addtaskcollection",
      "GET /jobs/j1/tasks/t1/files/wd%2Fout%20file.txt",
    ]);
    // Worth knowing on the service side: bodiless requests say "application/json; charset=utf-8".
    const withBody = service.requests.filter((r) => r.body.length > 0);
    expect(withBody.every((r) => r.headers["content-type"] === contentType)).toBe(true);
  });
});
