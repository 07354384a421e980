/**
 * Bodies that are not the operation's type: malformed JSON, and properties the type does not have
 * (at the top level and nested), answered 400 InvalidRequestBody naming the property.
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import {
  type ApiService,
  addPoolAndJob,
  emptyPool,
  expectBatchError,
  signedFetch,
  startApi,
} from "./apiHarness.js";

describe("request bodies", () => {
  let service: ApiService;

  beforeAll(async () => {
    service = await startApi("body");
    await addPoolAndJob(service, "pool", "job");
  });
  afterAll(() => service.dispose());

  it.each([
    ["truncated", '{"id": "p1", "vmSize": "small"'],
    ["not JSON at all", "id=p1&vmSize=small"],
    ["a trailing comma", '{"id": "p1", "vmSize": "small",}'],
  ])("refuses malformed JSON (%s) with InvalidRequestBody", async (_name, text) => {
    const response = await signedFetch(service, "POST", "/pools", text);
    await expectBatchError(response, 400, "InvalidRequestBody", { Reason: undefined });
  });

  it("refuses a JSON value that is not an object", async () => {
    await expectBatchError(await signedFetch(service, "POST", "/pools", "[1, 2]"), 400, "InvalidRequestBody");
  });

  it("names an unknown top-level property", async () => {
    const response = await signedFetch(service, "POST", "/pools", { ...emptyPool("p2"), bogus: 1 });
    await expectBatchError(response, 400, "InvalidRequestBody", { PropertyName: "bogus", Reason: undefined });
  });

  it("names an unknown nested property by its path", async () => {
    const response = await signedFetch(service, "POST", "/pools", {
      ...emptyPool("p3"),
      startTask: { commandLine: "/bin/true", bogus: true },
    });
    await expectBatchError(response, 400, "InvalidRequestBody", { PropertyName: "startTask.bogus" });
  });

  it("names an unknown property inside an array item of a job", async () => {
    const response = await signedFetch(service, "POST", "/jobs", {
      id: "j2",
      poolInfo: { poolId: "pool" },
      metadata: [{ name: "a", value: "b", colour: "red" }],
    });
    await expectBatchError(response, 400, "InvalidRequestBody", { PropertyName: "metadata[0].colour" });
  });

  it("names an unknown property of one task in a collection", async () => {
    const response = await signedFetch(service, "POST", "/jobs/job/addtaskcollection", {
      value: [
        { id: "t1", commandLine: "/bin/true" },
        { id: "t2", commandLine: "/bin/true", bogus: "x" },
      ],
    });
    await expectBatchError(response, 400, "InvalidRequestBody", { PropertyName: "value[1].bogus" });
  });

  it("creates nothing when the body is refused", async () => {
    await expectBatchError(await signedFetch(service, "GET", "/pools/p2"), 404, "PoolNotFound");
    await expectBatchError(await signedFetch(service, "GET", "/pools/p3"), 404, "PoolNotFound");
    await expectBatchError(await signedFetch(service, "GET", "/jobs/job/tasks/t1"), 404, "TaskNotFound");
  });
});
