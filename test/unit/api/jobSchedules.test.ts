/**
 * `/jobschedules` over real HTTP, without agents: what is stored and returned, the jobs a schedule
 * creates, and Azure's errors for bad input and for schedules that can no longer be changed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { List } from "../../../protocol/rest/common.js";
import type { Job } from "../../../protocol/rest/job.js";
import type { JobSchedule } from "../../../protocol/rest/jobSchedule.js";
import { type ApiService, expectBatchError, expectOk, signedFetch, startApi } from "./apiHarness.js";

const later = "2099-01-01T00:00:00.000Z";
const onPool = { poolInfo: { poolId: "pool" } };

describe("job schedules over REST", () => {
  let service: ApiService;
  const get = async (id: string) =>
    (await (await expectOk(await signedFetch(service, "GET", `/jobschedules/${id}`))).json()) as JobSchedule;
  const jobsOf = async (id: string) =>
    (await (
      await expectOk(await signedFetch(service, "GET", `/jobschedules/${id}/jobs`))
    ).json()) as List<Job>;

  beforeAll(async () => {
    service = await startApi("jobschedules");
  });
  afterAll(() => service.dispose());

  it("adds a schedule that waits for doNotRunUntil, and returns it as a CloudJobSchedule", async () => {
    const body = {
      id: "waiting",
      displayName: "Waits",
      schedule: { doNotRunUntil: later, recurrenceInterval: "PT1H" },
      jobSpecification: { ...onPool, priority: 7, metadata: [{ name: "from", value: "schedule" }] },
      metadata: [{ name: "k", value: "v" }],
    };
    const created = await expectOk(await signedFetch(service, "POST", "/jobschedules", body), 201);
    expect(created.headers.get("location")).toBe(`${service.endpoint}/jobschedules/waiting`);
    const schedule = await get("waiting");
    expect(schedule).toMatchObject({
      id: "waiting",
      displayName: "Waits",
      url: `${service.endpoint}/jobschedules/waiting`,
      state: "active",
      schedule: body.schedule,
      jobSpecification: body.jobSpecification,
      executionInfo: { nextRunTime: later },
      metadata: body.metadata,
    });
    expect(schedule.executionInfo.recentJob).toBeUndefined();
    expect((await jobsOf("waiting")).value).toEqual([]);
    await expectOk(await signedFetch(service, "HEAD", "/jobschedules/waiting"));
  });

  it("creates the first job at once without doNotRunUntil, named {scheduleId}_job-1, from the jobSpecification", async () => {
    const body = {
      id: "now",
      schedule: {},
      jobSpecification: { ...onPool, priority: 5, displayName: "made" },
    };
    await expectOk(await signedFetch(service, "POST", "/jobschedules", body), 201);
    const schedule = await get("now");
    expect(schedule.executionInfo.recentJob).toEqual({
      id: "now_job-1",
      url: `${service.endpoint}/jobs/now_job-1`,
    });
    // One-off: no next run.
    expect(schedule.executionInfo.nextRunTime).toBeUndefined();
    const jobs = (await jobsOf("now")).value;
    expect(jobs.map((j) => [j.id, j.priority, j.displayName, j.poolInfo.poolId])).toEqual([
      ["now_job-1", 5, "made", "pool"],
    ]);
  });

  it("lists schedules with $filter, $select and paging", async () => {
    const page = (await (
      await expectOk(
        await signedFetch(
          service,
          "GET",
          "/jobschedules?$filter=state eq 'active'&$select=id,state&maxresults=1",
        ),
      )
    ).json()) as List<Partial<JobSchedule>>;
    expect(page.value).toEqual([{ id: "waiting", state: "active" }]);
    const next = (await (
      await expectOk(await signedFetch(service, "GET", page["odata.nextLink"]!))
    ).json()) as List<Partial<JobSchedule>>;
    expect(next.value).toEqual([{ id: "now", state: "active" }]);
    expect(next["odata.nextLink"]).toBeUndefined();
  });

  it("PATCH replaces the properties given; PUT replaces schedule, jobSpecification and metadata", async () => {
    const before = await get("waiting");
    await expectOk(
      await signedFetch(service, "PATCH", "/jobschedules/waiting", { metadata: [{ name: "k", value: "w" }] }),
    );
    const patched = await get("waiting");
    expect(patched.metadata).toEqual([{ name: "k", value: "w" }]);
    expect(patched.schedule).toEqual(before.schedule);
    expect(patched.eTag).not.toBe(before.eTag);

    const doNotRunUntil = "2098-06-01T00:00:00.000Z";
    await expectOk(
      await signedFetch(service, "PUT", "/jobschedules/waiting", {
        schedule: { doNotRunUntil },
        jobSpecification: { poolInfo: { poolId: "other" } },
      }),
    );
    const updated = await get("waiting");
    expect(updated).toMatchObject({
      displayName: "Waits",
      schedule: { doNotRunUntil },
      jobSpecification: { poolInfo: { poolId: "other" } },
      executionInfo: { nextRunTime: doNotRunUntil },
    });
    expect(updated.metadata).toBeUndefined();
  });

  it("disables and enables, keeping its next run time", async () => {
    await expectOk(await signedFetch(service, "POST", "/jobschedules/waiting/disable"), 204);
    expect(await get("waiting")).toMatchObject({ state: "disabled", previousState: "active" });
    await expectOk(await signedFetch(service, "POST", "/jobschedules/waiting/enable"), 204);
    const enabled = await get("waiting");
    expect(enabled).toMatchObject({ state: "active", previousState: "disabled" });
    expect(enabled.executionInfo.nextRunTime).toBe("2098-06-01T00:00:00.000Z");
  });

  it("terminates: its active job is terminated, it completes, and then refuses changes", async () => {
    await expectOk(await signedFetch(service, "POST", "/jobschedules/now/terminate"), 202);
    const schedule = await get("now");
    expect(schedule.state).toBe("completed");
    expect(schedule.executionInfo.endTime).toBeDefined();
    const job = (await (await signedFetch(service, "GET", "/jobs/now_job-1")).json()) as Job;
    expect(job.state).toBe("completed");
    expect(job.executionInfo.terminateReason).toBe("TerminateJobSchedule");
    for (const [method, path, body] of [
      ["PATCH", "/jobschedules/now", { metadata: [] }],
      ["POST", "/jobschedules/now/disable", undefined],
      ["POST", "/jobschedules/now/enable", undefined],
      ["POST", "/jobschedules/now/terminate", undefined],
    ] as const) {
      await expectBatchError(await signedFetch(service, method, path, body), 409, "JobScheduleCompleted");
    }
  });

  it("deletes a schedule with the jobs it created", async () => {
    await expectOk(await signedFetch(service, "DELETE", "/jobschedules/now"), 202);
    await expectBatchError(
      await signedFetch(service, "GET", "/jobschedules/now"),
      404,
      "JobScheduleNotFound",
    );
    await expectBatchError(await signedFetch(service, "GET", "/jobs/now_job-1"), 404, "JobNotFound");
    expect((await signedFetch(service, "HEAD", "/jobschedules/now")).status).toBe(404);
  });

  it("refuses a schedule id that is taken, with 409 JobScheduleExists", async () => {
    const body = { id: "waiting", schedule: {}, jobSpecification: onPool };
    await expectBatchError(
      await signedFetch(service, "POST", "/jobschedules", body),
      409,
      "JobScheduleExists",
    );
  });

  it.each([
    ["a missing jobSpecification", { id: "x", schedule: {} }, "MissingRequiredProperty", "jobSpecification"],
    [
      "a jobSpecification without a pool",
      { id: "x", schedule: {}, jobSpecification: {} },
      "MissingRequiredProperty",
      "jobSpecification.poolInfo",
    ],
    [
      "an id inside the jobSpecification",
      { id: "x", schedule: {}, jobSpecification: { ...onPool, id: "j" } },
      "InvalidRequestBody",
      "jobSpecification.id",
    ],
    [
      "an interval under the minimum (Azure's 1 minute)",
      { id: "x", schedule: { recurrenceInterval: "PT30S" }, jobSpecification: onPool },
      "InvalidPropertyValue",
      "schedule.recurrenceInterval",
    ],
    [
      "a start window that is not a duration",
      { id: "x", schedule: { startWindow: "P" }, jobSpecification: onPool },
      "InvalidPropertyValue",
      "schedule.startWindow",
    ],
    [
      "a doNotRunUntil that is not a time",
      { id: "x", schedule: { doNotRunUntil: "soon" }, jobSpecification: onPool },
      "InvalidPropertyValue",
      "schedule.doNotRunUntil",
    ],
    [
      "a job wall-clock limit that is not a duration",
      { id: "x", schedule: {}, jobSpecification: { ...onPool, constraints: { maxWallClockTime: "PXYZ" } } },
      "InvalidPropertyValue",
      undefined,
    ],
  ] as const)("refuses %s", async (_what, body, code, property) => {
    const response = await signedFetch(service, "POST", "/jobschedules", body);
    await expectBatchError(response, 400, code, property === undefined ? {} : { PropertyName: property });
    await expectBatchError(await signedFetch(service, "GET", "/jobschedules/x"), 404, "JobScheduleNotFound");
  });

  it("answers 404 JobScheduleNotFound for every operation on a schedule that does not exist", async () => {
    for (const [method, path] of [
      ["GET", "/jobschedules/none"],
      ["GET", "/jobschedules/none/jobs"],
      ["DELETE", "/jobschedules/none"],
      ["POST", "/jobschedules/none/disable"],
      ["POST", "/jobschedules/none/enable"],
      ["POST", "/jobschedules/none/terminate"],
    ] as const) {
      await expectBatchError(await signedFetch(service, method, path), 404, "JobScheduleNotFound");
    }
    await expectBatchError(
      await signedFetch(service, "PATCH", "/jobschedules/none", { metadata: [] }),
      404,
      "JobScheduleNotFound",
    );
  });
});
