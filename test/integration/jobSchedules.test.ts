/**
 * Job schedules with real agents: jobs created at each occurrence of the recurrence and running their
 * tasks, one active job at a time (a later occurrence waits for it within its start window, or is
 * skipped), doNotRunAfter, disable and enable, terminate. The service allows intervals of a second
 * (`--min-schedule-interval PT1S`) so that a few occurrences pass in a test.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { collect } from "../../client/index.js";
import type { Job } from "../../protocol/rest/job.js";
import { processesMentioning, serviceForSuite, waitFor } from "./harness.js";

const S = 1000;

describe("job schedules", () => {
  const suite = serviceForSuite("schedules", ["--min-schedule-interval", "PT1S"]);
  const client = () => suite.service.client;
  const jobsOf = (scheduleId: string) => collect(client().jobSchedules.listJobs(scheduleId));
  const created = (job: Job) => Date.parse(job.creationTime);
  /** Waits for a schedule's job to exist. */
  const jobCreated = (jobId: string) => waitFor(`job ${jobId} to be created`, () => client().jobs.get(jobId));
  const jobCompleted = (jobId: string) =>
    waitFor(`job ${jobId} to complete`, async () => {
      const job = await client().jobs.get(jobId);
      return job.state === "completed" && job;
    });

  it("creates a job at each occurrence; each job runs its tasks; terminating ends the active job", async () => {
    await client().pools.add({ id: "sp", vmSize: "small", targetDedicatedNodes: 1, taskSlotsPerNode: 2 });
    const interval = 2 * S;
    const anchor = (Math.ceil(Date.now() / S) + 2) * S;
    await client().jobSchedules.add({
      id: "rec",
      schedule: { doNotRunUntil: new Date(anchor).toISOString(), recurrenceInterval: "PT2S" },
      jobSpecification: { poolInfo: { poolId: "sp" }, onAllTasksComplete: "terminatejob" },
    });
    const waiting = await client().jobSchedules.get("rec");
    expect(waiting.executionInfo.nextRunTime).toBe(new Date(anchor).toISOString());
    expect(await jobsOf("rec")).toEqual([]);

    for (let n = 1; n <= 3; n++) {
      const job = await jobCreated(`rec_job-${n}`);
      // Occurrences are anchored (no drift): job n is created at its due time, anchor + (n - 1) intervals,
      // within its own interval; consecutive jobs are an interval apart up to the ms it takes to create one.
      const due = anchor + (n - 1) * interval;
      expect(created(job)).toBeGreaterThanOrEqual(due);
      expect(created(job)).toBeLessThan(due + interval);
      const schedule = await client().jobSchedules.get("rec");
      expect(schedule.executionInfo.recentJob?.id).toBe(`rec_job-${n}`);
      expect(schedule.executionInfo.nextRunTime).toBe(new Date(due + interval).toISOString());

      await client().tasks.add(job.id, { id: "work", commandLine: `/bin/echo occurrence ${n}` });
      await jobCompleted(job.id);
      expect(await client().tasks.getFileText(job.id, "work", "stdout.txt")).toBe(`occurrence ${n}\n`);
    }
    const jobs = await jobsOf("rec");
    expect(jobs.slice(0, 3).map((j) => j.executionInfo.terminateReason)).toEqual([
      "AllTasksComplete",
      "AllTasksComplete",
      "AllTasksComplete",
    ]);
    for (let i = 1; i < 3; i++)
      expect(created(jobs[i]!) - created(jobs[i - 1]!)).toBeGreaterThan(interval / 2);
    const { stats } = await client().jobSchedules.get("rec", { expand: "stats" });
    expect(stats).toMatchObject({ numSucceededTasks: 3, numFailedTasks: 0, numTaskRetries: 0 });

    // Terminating the schedule terminates its active job (and the task running in it).
    const active = await jobCreated("rec_job-4");
    const gate = path.join(suite.dataDir, "rec-never-created");
    await client().tasks.add(active.id, {
      id: "long",
      commandLine: `/bin/sh -c "while [ ! -e ${gate} ]; do sleep 0.05; done"`,
    });
    await waitFor("the long task to run", async () => processesMentioning(gate).length > 0);
    await client().jobSchedules.terminate("rec");
    const ended = await waitFor("the schedule to complete", async () => {
      const schedule = await client().jobSchedules.get("rec");
      return schedule.state === "completed" && schedule;
    });
    expect(ended.executionInfo.nextRunTime).toBeUndefined();
    expect(ended.executionInfo.endTime).toBeDefined();
    const terminated = await jobCompleted(active.id);
    expect(terminated.executionInfo.terminateReason).toBe("TerminateJobSchedule");
    expect((await client().tasks.get(active.id, "long")).executionInfo?.failureInfo?.code).toBe("TaskEnded");
    await waitFor("the long task's process to end", async () => processesMentioning(gate).length === 0);
    expect((await jobsOf("rec")).map((j) => j.id)).toEqual([
      "rec_job-1",
      "rec_job-2",
      "rec_job-3",
      "rec_job-4",
    ]);
  });

  it("keeps one active job: an occurrence waits for it within its start window, else it is skipped", async () => {
    const interval = 3 * S;
    const startWindow = 2 * S;
    await client().jobSchedules.add({
      id: "one",
      schedule: { recurrenceInterval: "PT3S", startWindow: "PT2S" },
      jobSpecification: { poolInfo: { poolId: "sp" } },
    });
    const first = await jobCreated("one_job-1");
    const secondDue = Date.parse((await client().jobSchedules.get("one")).executionInfo.nextRunTime!);

    // Job 1 stays active (it has no tasks): the second occurrence's window passes, and it is skipped.
    const skipped = await waitFor("the second occurrence to be skipped", async () => {
      const schedule = await client().jobSchedules.get("one");
      return Date.parse(schedule.executionInfo.nextRunTime!) >= secondDue + interval && schedule;
    });
    expect(skipped.executionInfo.recentJob?.id).toBe("one_job-1");
    expect((await jobsOf("one")).map((j) => j.id)).toEqual(["one_job-1"]);

    // An occurrence that comes while job 1 is active waits (nextRunTime is past); job 1 ending within
    // its window lets it create its job at once.
    const due = await waitFor("an occurrence to wait for job 1", async () => {
      const schedule = await client().jobSchedules.get("one");
      const next = Date.parse(schedule.executionInfo.nextRunTime!);
      return next <= Date.now() && schedule.executionInfo.recentJob?.id === "one_job-1" && next;
    });
    await client().jobs.terminate(first.id);
    const second = await jobCreated("one_job-2");
    const firstEnded = await client().jobs.get(first.id);
    expect(created(second)).toBeGreaterThanOrEqual(Date.parse(firstEnded.executionInfo.endTime!));
    expect(created(second)).toBeGreaterThanOrEqual(due);
    expect(created(second)).toBeLessThanOrEqual(due + startWindow);
    expect((await jobsOf("one")).filter((j) => j.state !== "completed").map((j) => j.id)).toEqual([
      "one_job-2",
    ]);
    await client().jobSchedules.delete("one");
    expect(await client().jobSchedules.exists("one")).toBe(false);
    expect((await collect(client().jobs.list())).filter((j) => j.id.startsWith("one_"))).toEqual([]);
  });

  it("creates no job after doNotRunAfter, and then completes", async () => {
    const doNotRunAfter = Date.now() + 3.5 * S;
    await client().jobSchedules.add({
      id: "until",
      schedule: { recurrenceInterval: "PT1S", doNotRunAfter: new Date(doNotRunAfter).toISOString() },
      // Each job ends by itself half a second after it is created.
      jobSpecification: { poolInfo: { poolId: "sp" }, constraints: { maxWallClockTime: "PT0.5S" } },
    });
    const schedule = await waitFor("the schedule to complete", async () => {
      const s = await client().jobSchedules.get("until");
      return s.state === "completed" && s;
    });
    expect(Date.parse(schedule.executionInfo.endTime!)).toBeGreaterThanOrEqual(doNotRunAfter);
    expect(schedule.executionInfo.nextRunTime).toBeUndefined();
    const jobs = await jobsOf("until");
    expect(jobs.length).toBeGreaterThanOrEqual(2);
    for (const job of jobs) {
      expect(created(job)).toBeLessThanOrEqual(doNotRunAfter);
      expect(job.executionInfo.terminateReason).toBe("MaxWallClockTimeExpiry");
    }
  });

  it("creates no job while disabled, its nextRunTime moving on, and creates them again once enabled", async () => {
    await client().jobSchedules.add({
      id: "pause",
      schedule: { recurrenceInterval: "PT1S" },
      jobSpecification: { poolInfo: { poolId: "sp" }, constraints: { maxWallClockTime: "PT0.3S" } },
    });
    await jobCreated("pause_job-2");
    await client().jobSchedules.disable("pause");
    const disabled = await client().jobSchedules.get("pause");
    expect(disabled.state).toBe("disabled");
    const before = await jobsOf("pause");
    const disabledAt = Date.now();
    await waitFor("two occurrences to pass while disabled", async () => {
      const s = await client().jobSchedules.get("pause");
      return Date.parse(s.executionInfo.nextRunTime!) >= disabledAt + 2 * S;
    });
    expect((await jobsOf("pause")).map((j) => j.id)).toEqual(before.map((j) => j.id));

    const enabledAt = Date.now();
    await client().jobSchedules.enable("pause");
    expect((await client().jobSchedules.get("pause")).state).toBe("active");
    const next = await jobCreated(`pause_job-${before.length + 1}`);
    expect(created(next)).toBeGreaterThanOrEqual(enabledAt);
    await client().jobSchedules.terminate("pause");
    await waitFor(
      "the schedule to complete",
      async () => (await client().jobSchedules.get("pause")).state === "completed",
    );
    await client().pools.delete("sp");
  });
});
