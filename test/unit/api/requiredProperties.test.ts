/** A body without a property the operation requires is 400 MissingRequiredProperty naming it. */
import { afterAll, beforeAll, describe, it } from "vitest";
import { type ApiService, addPoolAndJob, expectBatchError, signedFetch, startApi } from "./apiHarness.js";

describe("required properties", () => {
  let service: ApiService;

  beforeAll(async () => {
    service = await startApi("required");
    await addPoolAndJob(service, "pool", "job");
  });
  afterAll(() => service.dispose());

  it.each([
    ["a pool without vmSize", "/pools", { id: "p1", targetDedicatedNodes: 0 }, "vmSize"],
    ["a pool without id", "/pools", { vmSize: "small", targetDedicatedNodes: 0 }, "id"],
    ["a job without poolInfo", "/jobs", { id: "j1" }, "poolInfo"],
    ["a job whose poolInfo has no poolId", "/jobs", { id: "j1", poolInfo: {} }, "poolInfo.poolId"],
    ["a task without commandLine", "/jobs/job/tasks", { id: "t1" }, "commandLine"],
    [
      "a pool whose start task has no commandLine",
      "/pools",
      { id: "p1", vmSize: "small", targetDedicatedNodes: 0, startTask: { waitForSuccess: true } },
      "startTask.commandLine",
    ],
    [
      "the second task of a collection without commandLine",
      "/jobs/job/addtaskcollection",
      { value: [{ id: "t1", commandLine: "/bin/true" }, { id: "t2" }] },
      "value[1].commandLine",
    ],
  ])("refuses %s", async (_name, path, body, property) => {
    const response = await signedFetch(service, "POST", path, body);
    await expectBatchError(response, 400, "MissingRequiredProperty", { PropertyName: property });
  });

  it("refuses a POST /pools without a body as InvalidRequestBody", async () => {
    await expectBatchError(await signedFetch(service, "POST", "/pools"), 400, "InvalidRequestBody");
  });
});
