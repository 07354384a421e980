/** Getting a pool, job or task that does not exist is 404 PoolNotFound / JobNotFound / TaskNotFound. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiService, addPoolAndJob, expectBatchError, signedFetch, startApi } from "./apiHarness.js";

describe("entities that do not exist", () => {
  let service: ApiService;

  beforeAll(async () => {
    service = await startApi("notfound");
    await addPoolAndJob(service, "pool", "job");
  });
  afterAll(() => service.dispose());

  it.each([
    ["GET", "/pools/nopool", "PoolNotFound"],
    ["DELETE", "/pools/nopool", "PoolNotFound"],
    ["GET", "/jobs/nojob", "JobNotFound"],
    ["DELETE", "/jobs/nojob", "JobNotFound"],
    ["GET", "/jobs/nojob/tasks", "JobNotFound"],
    ["GET", "/jobs/nojob/tasks/notask", "JobNotFound"],
    ["GET", "/jobs/job/tasks/notask", "TaskNotFound"],
    ["DELETE", "/jobs/job/tasks/notask", "TaskNotFound"],
  ] as const)("answers %s %s with 404 %s", async (method, path, code) => {
    await expectBatchError(await signedFetch(service, method, path), 404, code);
  });

  it("answers HEAD of a pool that does not exist with a bodiless 404", async () => {
    const response = await signedFetch(service, "HEAD", "/pools/nopool");
    expect(response.status).toBe(404);
    expect(await response.text()).toBe("");
  });

  it("refuses a task for a job that does not exist", async () => {
    const response = await signedFetch(service, "POST", "/jobs/nojob/tasks", { id: "t", commandLine: "x" });
    await expectBatchError(response, 404, "JobNotFound");
  });
});
