/**
 * Adding an id that exists is 409 PoolExists / JobExists / TaskExists; in addtaskcollection the
 * duplicate entry alone fails (clienterror, TaskExists) and the others are added.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TaskAddResult } from "../../../protocol/rest/task.js";
import {
  type ApiService,
  addPoolAndJob,
  emptyPool,
  expectBatchError,
  expectOk,
  signedFetch,
  startApi,
} from "./apiHarness.js";

describe("duplicate ids", () => {
  let service: ApiService;

  beforeAll(async () => {
    service = await startApi("duplicates");
    await addPoolAndJob(service, "pool", "job");
    await expectOk(
      await signedFetch(service, "POST", "/jobs/job/tasks", { id: "task", commandLine: "/bin/true" }),
      201,
    );
  });
  afterAll(() => service.dispose());

  it("refuses a second pool with the same id: 409 PoolExists", async () => {
    await expectBatchError(
      await signedFetch(service, "POST", "/pools", emptyPool("pool")),
      409,
      "PoolExists",
    );
  });

  it("refuses a second job with the same id: 409 JobExists", async () => {
    const response = await signedFetch(service, "POST", "/jobs", { id: "job", poolInfo: { poolId: "pool" } });
    await expectBatchError(response, 409, "JobExists");
  });

  it("refuses a second task with the same id in the job: 409 TaskExists", async () => {
    const response = await signedFetch(service, "POST", "/jobs/job/tasks", { id: "task", commandLine: "x" });
    await expectBatchError(response, 409, "TaskExists");
  });

  it("allows the same task id in another job", async () => {
    await expectOk(
      await signedFetch(service, "POST", "/jobs", { id: "job2", poolInfo: { poolId: "pool" } }),
      201,
    );
    const response = await signedFetch(service, "POST", "/jobs/job2/tasks", { id: "task", commandLine: "x" });
    await expectOk(response, 201);
  });

  it("fails only the duplicate entries of a task collection", async () => {
    const ids = ["c1", "task", "c2", "c1", "c3"];
    const response = await signedFetch(service, "POST", "/jobs/job/addtaskcollection", {
      value: ids.map((id) => ({ id, commandLine: "/bin/true" })),
    });
    await expectOk(response, 200);
    const { value } = (await response.json()) as { value: TaskAddResult[] };
    expect(value.map((r) => [r.taskId, r.status])).toEqual([
      ["c1", "success"],
      ["task", "clienterror"],
      ["c2", "success"],
      ["c1", "clienterror"],
      ["c3", "success"],
    ]);
    for (const failed of value.filter((r) => r.status === "clienterror")) {
      expect(failed.error?.code).toBe("TaskExists");
      expect(failed.error?.message.value.trim()).not.toBe("");
    }
    for (const added of value.filter((r) => r.status === "success")) {
      expect(added.eTag).toBeTruthy();
      expect(added.location).toBe(`${service.endpoint}/jobs/job/tasks/${added.taskId}`);
      await expectOk(await signedFetch(service, "GET", `/jobs/job/tasks/${added.taskId}`));
    }
  });
});
