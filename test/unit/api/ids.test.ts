/**
 * Pool, job and task ids follow Azure Batch's rule ^[A-Za-z0-9_-]{1,64}$: anything else in the body's
 * `id` is 400 InvalidPropertyValue naming `id` and echoing the value; 64 characters are still fine.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiService,
  addPoolAndJob,
  emptyPool,
  expectBatchError,
  expectOk,
  signedFetch,
  startApi,
} from "./apiHarness.js";

type Kind = "pool" | "job" | "task";

/** Where each kind is added, and a valid body for it with the given id. */
const adds: Record<Kind, { path: string; body: (id: string) => object }> = {
  pool: { path: "/pools", body: (id) => emptyPool(id) },
  job: { path: "/jobs", body: (id) => ({ id, poolInfo: { poolId: "pool" } }) },
  task: { path: "/jobs/job/tasks", body: (id) => ({ id, commandLine: "/bin/true" }) },
};

const badIds: [string, string][] = [
  ["empty", ""],
  ["65 characters", "a".repeat(65)],
  ["a space", "a b"],
  ["a slash", "x/y"],
  ["a dot", "x.y"],
  ["non-ASCII", "pööl"],
];

const kinds = Object.keys(adds) as Kind[];

describe("ids", () => {
  let service: ApiService;

  beforeAll(async () => {
    service = await startApi("ids");
    await addPoolAndJob(service, "pool", "job");
  });
  afterAll(() => service.dispose());

  describe.each(kinds)("of a %s", (kind) => {
    const { path, body } = adds[kind];

    it.each(badIds)("refuses an id with %s", async (_name, id) => {
      const response = await signedFetch(service, "POST", path, body(id));
      const error = await expectBatchError(response, 400, "InvalidPropertyValue", {
        PropertyName: "id",
        PropertyValue: id,
        Reason: undefined,
      });
      expect(error.message.value).toContain("'id'");
    });

    it("accepts 64 letters, digits, hyphens and underscores", async () => {
      const id = `${kind}_A-9`.padEnd(64, "z");
      await expectOk(await signedFetch(service, "POST", path, body(id)), 201);
    });
  });

  it("checks ids nested in a body too (a job's poolInfo.poolId)", async () => {
    const response = await signedFetch(service, "POST", "/jobs", { id: "j2", poolInfo: { poolId: "a b" } });
    await expectBatchError(response, 400, "InvalidPropertyValue", {
      PropertyName: "poolInfo.poolId",
      PropertyValue: "a b",
    });
  });
});
