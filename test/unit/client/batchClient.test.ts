import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatchClient } from "../../../client/batchClient.js";
import { BatchConnectionError, BatchRequestError } from "../../../client/errors.js";
import { collect } from "../../../client/paging.js";
import { API_VERSION } from "../../../protocol/apiVersion.js";
import type { TaskAddParameter } from "../../../protocol/rest/task.js";
import { azureError, type FakeBatchService, startFakeBatchService } from "./fakeBatchService.js";

const pool = (id: string) => ({ id, state: "active", allocationState: "steady", vmSize: "small" });

describe("BatchClient", () => {
  let service: FakeBatchService;
  let client: BatchClient;
  const poolsExisting = new Set(["p1"]);

  beforeAll(async () => {
    service = await startFakeBatchService({
      "GET /pools": (req) =>
        req.query.get("page") === "2"
          ? { status: 200, body: { value: [pool("p3")] } }
          : { status: 200, body: { value: [pool("p1"), pool("p2")], "odata.nextLink": `/pools?page=2` } },
      "POST /pools": () => azureError(409, "PoolExists", "The specified pool already exists."),
      "HEAD /pools/p1": () => ({ status: poolsExisting.has("p1") ? 200 : 404 }),
      "HEAD /pools/gone": () => ({ status: 404 }),
      "DELETE /pools/p1": () => ({ status: 202 }),
      "POST /pools/p1/resize": () => ({ status: 202 }),
      "POST /pools/p1/stopresize": () => ({ status: 202 }),
      "POST /jobs/j1/addtaskcollection": (req) => {
        const { value } = JSON.parse(req.body) as { value: TaskAddParameter[] };
        return { status: 200, body: { value: value.map((t) => ({ status: "success", taskId: t.id })) } };
      },
      "POST /jobs/j1/terminate": () => ({ status: 202 }),
      "POST /jobs/j1/tasks/t1/terminate": () => ({ status: 204 }),
      "GET /jobs/j1/tasks/t1/files/wd%2Fout%20file.txt": () => ({
        status: 200,
        body: new Uint8Array([1, 2, 3]),
      }),
      "GET /jobs/j1/tasks/t1/files/stdout.txt": () => ({
        status: 200,
        body: new TextEncoder().encode("hello\n"),
      }),
      "HEAD /pools/p1/nodes/n1/files/startup%2Fstdout.txt": () => ({
        status: 200,
        headers: {
          "content-length": "12",
          "ocp-batch-file-isdirectory": "false",
          "ocp-batch-file-mode": "0644",
        },
      }),
      "GET /jobs/broken": () => ({ status: 502, body: "<html>bad gateway</html>" }),
    });
    client = new BatchClient({
      endpoint: `${service.endpoint}/`,
      accountName: service.accountName,
      accountKey: service.accountKey,
    });
  });
  afterAll(() => service.close());

  it("signs requests the service accepts, with api-version, ocp-date, client-request-id and Batch's content type", async () => {
    await client.pools.stopResize("p1");
    const sent = service.requests.at(-1)!;
    expect(sent.query.get("api-version")).toBe(API_VERSION);
    expect(sent.headers["ocp-date"]).toMatch(/GMT$/);
    expect(sent.headers["client-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent.headers["content-type"]).toBe("application/json; odata=minimalmetadata; charset=utf-8");
  });

  it("lists every page by following odata.nextLink, and returns one page with listPage", async () => {
    const ids = (await collect(client.pools.list({ filter: "state eq 'active'", maxResults: 2 }))).map(
      (p) => p.id,
    );
    expect(ids).toEqual(["p1", "p2", "p3"]);
    const first = service.requests.find((r) => r.path === "/pools")!;
    expect(first.url).toContain("$filter=state%20eq%20%27active%27");
    expect(first.query.get("$filter")).toBe("state eq 'active'");
    expect(first.query.get("maxresults")).toBe("2");
    const page = await client.pools.listPage();
    expect(page.value).toHaveLength(2);
    expect(
      (await client.pools.listPage({ nextLink: page["odata.nextLink"] })).value.map((p) => p.id),
    ).toEqual(["p3"]);
  });

  it("turns an Azure error body into a BatchRequestError", async () => {
    const error = await client.pools.add({ id: "p1", vmSize: "small" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatchRequestError);
    expect(error).toMatchObject({
      code: "PoolExists",
      status: 409,
      message: "The specified pool already exists.",
    });
  });

  it("reports a response without an error body as UnexpectedResponse", async () => {
    await expect(client.jobs.get("broken")).rejects.toMatchObject({
      code: "UnexpectedResponse",
      status: 502,
      message: expect.stringContaining("bad gateway"),
    });
  });

  it("answers exists from HEAD 200/404", async () => {
    expect(await client.pools.exists("p1")).toBe(true);
    expect(await client.pools.exists("gone")).toBe(false);
  });

  it("sends resize and terminate bodies", async () => {
    await client.pools.resize("p1", { targetDedicatedNodes: 3, nodeDeallocationOption: "requeue" });
    expect(JSON.parse(service.requests.at(-1)!.body)).toEqual({
      targetDedicatedNodes: 3,
      nodeDeallocationOption: "requeue",
    });
    await client.jobs.terminate("j1", "enough");
    expect(JSON.parse(service.requests.at(-1)!.body)).toEqual({ terminateReason: "enough" });
    await client.jobs.terminate("j1");
    expect(service.requests.at(-1)!.body).toBe("");
    await client.tasks.terminate("j1", "t1");
  });

  it("adds many tasks in chunks of 100 and keeps their order", async () => {
    const before = service.requests.length;
    const tasks = Array.from({ length: 250 }, (_, i) => ({ id: `t${i}`, commandLine: "true" }));
    const results = await client.tasks.addMany("j1", tasks, { concurrency: 2 });
    expect(results.map((r) => r.taskId)).toEqual(tasks.map((t) => t.id));
    const sizes = service.requests
      .slice(before)
      .map((r) => (JSON.parse(r.body) as { value: unknown[] }).value.length);
    expect(sizes.sort()).toEqual([100, 100, 50]);
    await expect(client.tasks.addCollection("j1", tasks)).rejects.toThrow(/at most 100/);
  });

  it("reads files by encoded path, as bytes, text or a range, and their properties", async () => {
    expect(await client.tasks.getFile("j1", "t1", "wd/out file.txt")).toEqual(new Uint8Array([1, 2, 3]));
    expect(await client.tasks.getFileText("j1", "t1", "stdout.txt", { range: { start: 0, end: 4 } })).toBe(
      "hello\n",
    );
    expect(service.requests.at(-1)!.headers["ocp-range"]).toBe("bytes=0-4");
    expect(await client.nodes.getFileProperties("p1", "n1", "startup/stdout.txt")).toMatchObject({
      contentLength: 12,
      isDirectory: false,
      fileMode: "0644",
    });
  });

  it("refuses a request signed with the wrong key", async () => {
    const wrong = new BatchClient({
      endpoint: service.endpoint,
      accountName: service.accountName,
      accountKey: "AAAA",
    });
    await expect(wrong.pools.get("p1")).rejects.toMatchObject({ code: "AuthenticationFailed", status: 403 });
  });

  it("says which endpoint it could not reach and how to start the service", async () => {
    const closed = await startFakeBatchService({});
    await closed.close();
    const offline = new BatchClient({ endpoint: closed.endpoint, accountName: "a", accountKey: "AAAA" });
    const error = await offline.pools.get("p1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatchConnectionError);
    expect((error as Error).message).toContain(closed.endpoint);
    expect((error as Error).message).toContain("ECONNREFUSED");
    expect((error as Error).message).toContain("openbatch service start");
  });
});
