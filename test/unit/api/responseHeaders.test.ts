/**
 * Response headers: `request-id` on every answer (errors too), `Location` and `ETag` on a 201,
 * `ETag` and `Last-Modified` on a single entity, `client-request-id` echoed only when asked for.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_VERSION } from "../../../protocol/apiVersion.js";
import { type ApiService, emptyPool, expectOk, signedFetch, startApi } from "./apiHarness.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** An RFC 7231 HTTP date, e.g. `Mon, 01 Jan 2024 00:00:00 GMT`. */
const HTTP_DATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

describe("response headers", () => {
  let service: ApiService;
  let created: Response;

  beforeAll(async () => {
    service = await startApi("headers");
    created = await signedFetch(service, "POST", "/pools", emptyPool("pool"));
  });
  afterAll(() => service.dispose());

  it("answers POST /pools with 201, Location, ETag and an empty body", async () => {
    await expectOk(created, 201);
    expect(created.headers.get("location")).toBe(`${service.endpoint}/pools/pool`);
    expect(created.headers.get("dataserviceid")).toBe(`${service.endpoint}/pools/pool`);
    expect(created.headers.get("etag")).toMatch(/\S/);
    expect(created.headers.get("last-modified")).toMatch(HTTP_DATE);
    expect(await created.text()).toBe("");
  });

  it("answers POST /jobs and POST /jobs/{id}/tasks with 201 and their Location", async () => {
    const job = await signedFetch(service, "POST", "/jobs", { id: "job", poolInfo: { poolId: "pool" } });
    await expectOk(job, 201);
    expect(job.headers.get("location")).toBe(`${service.endpoint}/jobs/job`);
    const task = await signedFetch(service, "POST", "/jobs/job/tasks", { id: "task", commandLine: "x" });
    await expectOk(task, 201);
    expect(task.headers.get("location")).toBe(`${service.endpoint}/jobs/job/tasks/task`);
    expect(task.headers.get("etag")).toMatch(/\S/);
  });

  it("puts ETag and Last-Modified on GET /pools/{id}", async () => {
    const response = await expectOk(await signedFetch(service, "GET", "/pools/pool"));
    const body = (await response.json()) as { id: string; eTag: string; lastModified: string };
    expect(body.id).toBe("pool");
    expect(response.headers.get("etag")).toBe(body.eTag);
    const lastModified = response.headers.get("last-modified") ?? "";
    expect(lastModified).toMatch(HTTP_DATE);
    // HTTP dates have whole seconds.
    expect(Date.parse(lastModified)).toBe(Math.floor(Date.parse(body.lastModified) / 1000) * 1000);
  });

  it("puts a fresh request-id on every response, errors included", async () => {
    const responses = [
      await signedFetch(service, "GET", "/pools"),
      await signedFetch(service, "GET", "/pools"),
      await signedFetch(service, "GET", "/pools/nopool"),
      await fetch(`${service.endpoint}/pools?api-version=${API_VERSION}`),
      await fetch(`${service.endpoint}/openbatch/health`),
    ];
    const ids = responses.map((r) => r.headers.get("request-id") ?? "");
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("echoes client-request-id when return-client-request-id is true", async () => {
    const clientRequestId = randomUUID();
    const response = await signedFetch(service, "GET", "/pools/pool", undefined, {
      "client-request-id": clientRequestId,
      "return-client-request-id": "true",
    });
    expect(response.headers.get("client-request-id")).toBe(clientRequestId);
  });

  it("echoes client-request-id on an error response too", async () => {
    const clientRequestId = randomUUID();
    const response = await signedFetch(service, "GET", "/pools/nopool", undefined, {
      "client-request-id": clientRequestId,
      "return-client-request-id": "true",
    });
    expect(response.status).toBe(404);
    expect(response.headers.get("client-request-id")).toBe(clientRequestId);
  });

  it.each([
    ["absent"],
    ["false"],
  ])("does not echo client-request-id when return-client-request-id is %s", async (returnIt) => {
    const headers: Record<string, string> = { "client-request-id": randomUUID() };
    if (returnIt !== "absent") headers["return-client-request-id"] = returnIt;
    const response = await signedFetch(service, "GET", "/pools/pool", undefined, headers);
    await expectOk(response);
    expect(response.headers.get("client-request-id")).toBeNull();
  });
});
