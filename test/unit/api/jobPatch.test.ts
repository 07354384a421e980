/** `PATCH /jobs/{id}`: what it changes, and the errors for what it cannot. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Job } from "../../../protocol/rest/job.js";
import {
  type ApiService,
  addPoolAndJob,
  expectBatchError,
  expectOk,
  signedFetch,
  startApi,
} from "./apiHarness.js";

describe("patching a job", () => {
  let service: ApiService;

  beforeAll(async () => {
    service = await startApi("jobpatch");
    await addPoolAndJob(service, "pool", "job");
  });
  afterAll(() => service.dispose());

  it("changes the properties given and keeps the others, with a new ETag", async () => {
    const before = (await (await signedFetch(service, "GET", "/jobs/job")).json()) as Job;
    const response = await signedFetch(service, "PATCH", "/jobs/job", {
      priority: 42,
      metadata: [{ name: "k", value: "v" }],
    });
    await expectOk(response, 200);
    const after = (await (await signedFetch(service, "GET", "/jobs/job")).json()) as Job;
    expect(after).toMatchObject({
      priority: 42,
      metadata: [{ name: "k", value: "v" }],
      poolInfo: { poolId: "pool" },
    });
    expect(after.eTag).not.toBe(before.eTag);
    expect(response.headers.get("etag")).toBe(after.eTag);
  });

  it.each([
    [{ priority: 1001 }, 400, "InvalidPropertyValue"],
    [{ poolInfo: { poolId: "other" } }, 400, "InvalidRequestBody"],
    [{ maxParallelTasks: "four" }, 400, "InvalidPropertyValue"],
  ] as const)("refuses %j with %i %s", async (body, status, code) => {
    await expectBatchError(await signedFetch(service, "PATCH", "/jobs/job", body), status, code);
  });

  it("answers 404 JobNotFound for a job that does not exist", async () => {
    await expectBatchError(
      await signedFetch(service, "PATCH", "/jobs/nojob", { priority: 1 }),
      404,
      "JobNotFound",
    );
  });
});
