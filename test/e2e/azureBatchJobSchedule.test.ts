/**
 * The official `@azure/batch` 10.2.0 client, unchanged, drives a job schedule: add, exists, get, list,
 * the jobs it created (`job.listFromJobSchedule`), patch, update, disable, enable, terminate, delete.
 */
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { beforeAll, describe, expect, it } from "vitest";
import { serviceForSuite, waitFor } from "../integration/harness.js";

describe("@azure/batch client and job schedules", () => {
  const suite = serviceForSuite("azsched");
  let batch: BatchServiceClient;

  beforeAll(() => {
    const { accountName, accountKey, endpoint } = suite.service;
    batch = new BatchServiceClient(new BatchSharedKeyCredentials(accountName, accountKey), endpoint);
  });

  it("adds, gets, lists, changes, disables, enables, terminates and deletes a schedule, and sees its jobs", async () => {
    const doNotRunAfter = new Date(Date.now() + 24 * 3600_000);
    const addedAt = Date.now();
    await batch.jobSchedule.add({
      id: "sdksched",
      displayName: "hourly",
      schedule: { recurrenceInterval: "PT1H", doNotRunAfter },
      jobSpecification: { poolInfo: { poolId: "sdkpool" }, priority: 3, onAllTasksComplete: "terminatejob" },
      metadata: [{ name: "owner", value: "e2e" }],
    });
    expect((await batch.jobSchedule.exists("sdksched")).body).toBe(true);
    expect((await batch.jobSchedule.exists("nosuch")).body).toBe(false);

    const schedule = await batch.jobSchedule.get("sdksched");
    expect(schedule).toMatchObject({
      id: "sdksched",
      displayName: "hourly",
      state: "active",
      schedule: { recurrenceInterval: "PT1H" },
      jobSpecification: { poolInfo: { poolId: "sdkpool" }, priority: 3, onAllTasksComplete: "terminatejob" },
      metadata: [{ name: "owner", value: "e2e" }],
    });
    expect(schedule.schedule?.doNotRunAfter?.toISOString()).toBe(doNotRunAfter.toISOString());
    // The first job at once, the next an hour after it.
    expect(schedule.executionInfo?.recentJob?.id).toBe("sdksched_job-1");
    const nextRun = schedule.executionInfo?.nextRunTime?.getTime() ?? 0;
    expect(nextRun).toBeGreaterThanOrEqual(addedAt + 3600_000);
    expect(nextRun).toBeLessThan(Date.now() + 3600_000);

    const schedules = await batch.jobSchedule.list({
      jobScheduleListOptions: { filter: "state eq 'active'" },
    });
    expect(schedules.map((s) => s.id)).toEqual(["sdksched"]);
    const jobs = await batch.job.listFromJobSchedule("sdksched");
    expect(jobs.map((j) => [j.id, j.priority, j.state])).toEqual([["sdksched_job-1", 3, "active"]]);

    await batch.jobSchedule.patch("sdksched", { metadata: [{ name: "owner", value: "patched" }] });
    expect((await batch.jobSchedule.get("sdksched")).metadata).toEqual([{ name: "owner", value: "patched" }]);
    await batch.jobSchedule.update("sdksched", {
      schedule: { recurrenceInterval: "PT2H" },
      jobSpecification: { poolInfo: { poolId: "sdkpool" }, priority: 5 },
    });
    const updated = await batch.jobSchedule.get("sdksched");
    expect(updated.schedule?.recurrenceInterval).toBe("PT2H");
    expect(updated.jobSpecification?.priority).toBe(5);
    expect(updated.metadata).toBeUndefined();

    await batch.jobSchedule.disable("sdksched");
    expect((await batch.jobSchedule.get("sdksched")).state).toBe("disabled");
    await batch.jobSchedule.enable("sdksched");
    expect((await batch.jobSchedule.get("sdksched")).state).toBe("active");

    await batch.jobSchedule.terminate("sdksched");
    await waitFor(
      "the schedule to complete",
      async () => (await batch.jobSchedule.get("sdksched")).state === "completed",
    );
    const job = await batch.job.get("sdksched_job-1");
    expect(job.state).toBe("completed");
    expect(job.executionInfo?.terminateReason).toBe("TerminateJobSchedule");

    await batch.jobSchedule.deleteMethod("sdksched");
    expect((await batch.jobSchedule.exists("sdksched")).body).toBe(false);
    expect((await batch.job.list()).map((j) => j.id)).toEqual([]);
  });
});
