/** addtaskcollection takes at most 100 tasks: 101 is 400 TooManyRequestsInBatch and adds none. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TaskAddResult } from "../../../protocol/rest/task.js";
import {
  type ApiService,
  addPoolAndJob,
  expectBatchError,
  expectOk,
  signedFetch,
  startApi,
} from "./apiHarness.js";

const tasks = (count: number, prefix: string) =>
  Array.from({ length: count }, (_, i) => ({ id: `${prefix}${i}`, commandLine: "/bin/true" }));

describe("addtaskcollection size", () => {
  let service: ApiService;

  beforeAll(async () => {
    service = await startApi("collection");
    await addPoolAndJob(service, "pool", "job");
  });
  afterAll(() => service.dispose());

  const taskCount = async () => {
    const response = await expectOk(await signedFetch(service, "GET", "/jobs/job/tasks?$select=id"));
    return ((await response.json()) as { value: unknown[] }).value.length;
  };

  it("refuses 101 tasks with TooManyRequestsInBatch and adds none of them", async () => {
    const response = await signedFetch(service, "POST", "/jobs/job/addtaskcollection", {
      value: tasks(101, "over"),
    });
    await expectBatchError(response, 400, "TooManyRequestsInBatch", { MaxTasksPerCollection: "100" });
    expect(await taskCount()).toBe(0);
  });

  it("counts before it validates: 101 tasks with a bad one are still too many", async () => {
    const value: object[] = tasks(101, "bad");
    value[7] = { id: "no command line" };
    const response = await signedFetch(service, "POST", "/jobs/job/addtaskcollection", { value });
    await expectBatchError(response, 400, "TooManyRequestsInBatch");
  });

  it("accepts exactly 100 tasks", async () => {
    const response = await signedFetch(service, "POST", "/jobs/job/addtaskcollection", {
      value: tasks(100, "ok"),
    });
    await expectOk(response);
    const { value } = (await response.json()) as { value: TaskAddResult[] };
    expect(value.filter((r) => r.status === "success")).toHaveLength(100);
    expect(await taskCount()).toBe(100);
  });

  it("refuses an empty collection", async () => {
    const response = await signedFetch(service, "POST", "/jobs/job/addtaskcollection", { value: [] });
    await expectBatchError(response, 400, "InvalidPropertyValue", { PropertyName: "value" });
  });
});
