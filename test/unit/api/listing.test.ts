/**
 * Listing tasks: `maxresults` pages with `odata.nextLink` until the last page, in submission order and
 * without duplicates; `$filter` and `$select` apply (and travel in the nextLink); bad values of
 * `maxresults` or `$filter` are 400 InvalidQueryParameterValue. The pool has no nodes, so every task
 * stays active.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Task } from "../../../protocol/rest/task.js";
import {
  type ApiService,
  addPoolAndJob,
  expectBatchError,
  expectOk,
  signedFetch,
  signedRequest,
  startApi,
} from "./apiHarness.js";

interface TaskPage {
  value: Partial<Task>[];
  "odata.nextLink"?: string;
}

/** 25 ids in an order that is not their sort order, so paging by id would show. */
const submitted = Array.from({ length: 25 }, (_, i) => `task-${String((i * 7) % 25).padStart(2, "0")}`);

describe("task lists", () => {
  let service: ApiService;

  beforeAll(async () => {
    service = await startApi("listing");
    await addPoolAndJob(service, "pool", "job");
    for (const id of submitted) {
      await expectOk(
        await signedFetch(service, "POST", "/jobs/job/tasks", { id, commandLine: "/bin/true" }),
        201,
      );
    }
  });
  afterAll(() => service.dispose());

  /** Every page of a list, following `odata.nextLink` as given until it is absent. */
  const allPages = async (query: string): Promise<TaskPage[]> => {
    const pages: TaskPage[] = [];
    let response = await signedFetch(service, "GET", `/jobs/job/tasks?${query}`);
    for (;;) {
      const page = (await (await expectOk(response)).json()) as TaskPage;
      pages.push(page);
      const next = page["odata.nextLink"];
      if (next === undefined) return pages;
      expect(pages.length, "more pages than tasks").toBeLessThan(submitted.length);
      response = await signedRequest(service, "GET", next);
    }
  };
  const ids = (pages: TaskPage[]) => pages.flatMap((p) => p.value.map((t) => t.id));

  it("pages 25 tasks by 10 in submission order: 10, 10, 5", async () => {
    const pages = await allPages("maxresults=10");
    expect(pages.map((p) => p.value.length)).toEqual([10, 10, 5]);
    expect(ids(pages)).toEqual(submitted);
    expect(new Set(ids(pages)).size).toBe(submitted.length);
    expect(pages[0]!["odata.nextLink"]).toMatch(new RegExp(`^${service.endpoint}/jobs/job/tasks\\?`));
  });

  it("returns all 25 in one page without maxresults, with no nextLink", async () => {
    const pages = await allPages("");
    expect(pages).toHaveLength(1);
    expect(ids(pages)).toEqual(submitted);
  });

  it("has no nextLink when the last page is exactly full", async () => {
    const pages = await allPages("maxresults=5");
    expect(pages.map((p) => p.value.length)).toEqual([5, 5, 5, 5, 5]);
    expect(ids(pages)).toEqual(submitted);
  });

  it("filters by state, keeping the filter across pages", async () => {
    const active = await allPages(`maxresults=10&$filter=${encodeURIComponent("state eq 'active'")}`);
    expect(active.map((p) => p.value.length)).toEqual([10, 10, 5]);
    expect(ids(active)).toEqual(submitted);
    expect(active.flatMap((p) => p.value).every((t) => t.state === "active")).toBe(true);

    const completed = await allPages(`$filter=${encodeURIComponent("state eq 'completed'")}`);
    expect(completed).toEqual([expect.objectContaining({ value: [] })]);
  });

  it("reads + in the query as a space, as @azure/batch may send it", async () => {
    const pages = await allPages("$filter=state+eq+'active'");
    expect(ids(pages)).toEqual(submitted);
  });

  it("filters by other properties, paging over the items that match", async () => {
    const filter = encodeURIComponent("startswith(id, 'task-1') and state ne 'completed'");
    const pages = await allPages(`maxresults=4&$filter=${filter}`);
    expect(pages.map((p) => p.value.length)).toEqual([4, 4, 2]);
    expect(ids(pages)).toEqual(submitted.filter((id) => id.startsWith("task-1")));
  });

  it("keeps only the properties named in $select, across pages", async () => {
    const pages = await allPages("maxresults=10&$select=id,state");
    expect(ids(pages)).toEqual(submitted);
    for (const task of pages.flatMap((p) => p.value)) {
      expect(Object.keys(task).filter((k) => !k.startsWith("odata."))).toEqual(["id", "state"]);
      expect(task.state).toBe("active");
    }
  });

  it.each(["0", "1001", "-1", "ten", "2.5", ""])("refuses maxresults=%s", async (value) => {
    const response = await signedFetch(service, "GET", `/jobs/job/tasks?maxresults=${value}`);
    await expectBatchError(response, 400, "InvalidQueryParameterValue", {
      QueryParameterName: "maxresults",
      QueryParameterValue: value,
    });
  });

  it("accepts maxresults=1 and maxresults=1000", async () => {
    expect((await allPages("maxresults=1")).map((p) => p.value.length)).toEqual(Array(25).fill(1));
    expect((await allPages("maxresults=1000")).map((p) => p.value.length)).toEqual([25]);
  });

  it.each([
    "state eq",
    "state eq 'active",
    "(state eq 'active'",
    "state eq 'active')",
    "state == 'active'",
    "eq 'active'",
    "state eq 'active' state",
    "startswith(id)",
    "creationTime gt datetime'last week'",
  ])("refuses $filter=%s", async (filter) => {
    const response = await signedFetch(
      service,
      "GET",
      `/jobs/job/tasks?$filter=${encodeURIComponent(filter)}`,
    );
    await expectBatchError(response, 400, "InvalidQueryParameterValue", {
      QueryParameterName: "$filter",
      QueryParameterValue: filter,
      Reason: undefined,
    });
  });

  it.each([
    ["$filter", "exitCode ne 0", "'exitCode' is not a property"],
    [
      "$filter",
      "state eq 'completed' and executionInfo/exitcode eq 0",
      "'executionInfo/exitcode' is not a property",
    ],
    ["$select", "id,colour", "'colour' is not a property"],
  ])("refuses %s=%s, which names a property tasks do not have", async (name, value, reason) => {
    const response = await signedFetch(
      service,
      "GET",
      `/jobs/job/tasks?${name}=${encodeURIComponent(value)}`,
    );
    const body = await expectBatchError(response, 400, "InvalidQueryParameterValue", {
      QueryParameterName: name,
    });
    expect(JSON.stringify(body)).toContain(reason);
  });

  it("refuses a $select naming an unknown property on a get", async () => {
    const response = await signedFetch(service, "GET", "/jobs/job?$select=id,bogus");
    await expectBatchError(response, 400, "InvalidQueryParameterValue", { QueryParameterName: "$select" });
  });

  it("refuses a $skiptoken it did not issue", async () => {
    const response = await signedFetch(service, "GET", "/jobs/job/tasks?$skiptoken=garbage");
    await expectBatchError(response, 400, "InvalidQueryParameterValue");
  });

  it("refuses a $select that is not a list of property names", async () => {
    const response = await signedFetch(service, "GET", "/jobs/job/tasks?$select=id,state/x");
    await expectBatchError(response, 400, "InvalidQueryParameterValue", { QueryParameterName: "$select" });
  });

  it("shows a task added between pages once, on a later page", async () => {
    await expectOk(
      await signedFetch(service, "POST", "/jobs", { id: "growing", poolInfo: { poolId: "pool" } }),
      201,
    );
    const add = async (id: string) =>
      expectOk(await signedFetch(service, "POST", "/jobs/growing/tasks", { id, commandLine: "x" }), 201);
    for (const id of ["a", "b", "c"]) await add(id);
    const first = (await (
      await expectOk(await signedFetch(service, "GET", "/jobs/growing/tasks?maxresults=2&$select=id"))
    ).json()) as TaskPage;
    await add("d");
    const second = (await (
      await expectOk(await signedRequest(service, "GET", first["odata.nextLink"]!))
    ).json()) as TaskPage;
    expect(ids([first, second])).toEqual(["a", "b", "c", "d"]);
    expect(second["odata.nextLink"]).toBeUndefined();
  });
});
