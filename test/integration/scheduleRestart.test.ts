/**
 * Killing the service (SIGKILL) in the middle of a 500-task job and a recurring job schedule: after a
 * restart on the same data directory every task has run exactly once (each appends a line to its own
 * marker file; a task run again must say so in retryCount or requeueCount), and no occurrence of the
 * schedule fired twice — a job and the schedule's advance are committed in one transaction.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { collect } from "../../client/index.js";
import type { TaskAddParameter } from "../../protocol/rest/task.js";
import {
  killEverything,
  makeDataDir,
  processesMentioning,
  type ServiceProcess,
  startService,
  stopService,
  waitFor,
} from "./harness.js";

const TASKS = 500;
const INTERVAL = 1000;
const serviceArgs = ["--min-schedule-interval", "PT1S"];

describe("a job schedule and 500 tasks across a SIGKILL of the service", () => {
  const dataDir = makeDataDir("schedrestart");
  let service: ServiceProcess | undefined;

  afterAll(async () => {
    if (service) await stopService(service);
    killEverything(dataDir);
  });

  it("runs every task once and fires no occurrence twice", async () => {
    service = await startService(dataDir, 0, undefined, serviceArgs);
    const port = Number(new URL(service.endpoint).port);
    const { accountKey } = service;
    let client = service.client;
    const markers = path.join(dataDir, "markers");
    fs.mkdirSync(markers);

    await client.pools.add({ id: "rp", vmSize: "small", targetDedicatedNodes: 2, taskSlotsPerNode: 4 });
    await client.jobs.add({ id: "big", poolInfo: { poolId: "rp" } });
    const anchor = (Math.ceil(Date.now() / INTERVAL) + 1) * INTERVAL;
    await client.jobSchedules.add({
      id: "tick",
      schedule: { doNotRunUntil: new Date(anchor).toISOString(), recurrenceInterval: "PT1S" },
      // Each job ends by itself soon after it is created, so that every occurrence can create one.
      jobSpecification: { poolInfo: { poolId: "rp" }, constraints: { maxWallClockTime: "PT0.2S" } },
    });
    const tasks: TaskAddParameter[] = Array.from({ length: TASKS }, (_, i) => ({
      id: `t${i}`,
      commandLine: `/bin/sh -c "echo ran >> ${markers}/$AZ_BATCH_TASK_ID; sleep 0.1"`,
    }));
    const added = await client.tasks.addMany("big", tasks);
    expect(added.filter((r) => r.status !== "success")).toEqual([]);

    const scheduleJobs = async () => collect(client.jobSchedules.listJobs("tick"));
    await waitFor("a fifth of the tasks done and two occurrences", async () => {
      const done = (await client.jobs.getTaskCounts("big")).taskCounts.completed;
      return done >= TASKS / 5 && (await scheduleJobs()).length >= 2;
    });
    await stopService(service, "SIGKILL");
    service = await startService(dataDir, port, accountKey, serviceArgs);
    client = service.client;
    const restartedAt = Date.now();
    // The kill came in the middle: agents finish only the tasks they had while the service is away.
    expect((await client.jobs.getTaskCounts("big")).taskCounts.completed).toBeLessThan(TASKS);

    await waitFor(
      "every task to be done",
      async () => (await client.jobs.getTaskCounts("big")).taskCounts.completed === TASKS,
      120_000,
    );
    await waitFor(
      "two occurrences after the restart",
      async () => (await scheduleJobs()).filter((j) => Date.parse(j.creationTime) > restartedAt).length >= 2,
    );

    // Every task ran once, unless the service says it ran again (and why). A dispatch the kill cut off
    // before it reached the agent is requeued (the agent reports it neither running nor done) and
    // counted in requeueCount although its command never started: so a run may be counted that left
    // no marker, but no marker may be left by a run the service does not count.
    for (const task of await collect(client.tasks.list("big"))) {
      expect(task.state).toBe("completed");
      const info = task.executionInfo!;
      if (info.result !== "success") expect(info.failureInfo?.code, task.id).toBeDefined();
      const runs = fs.readFileSync(path.join(markers, task.id), "utf8").split("\n").filter(Boolean).length;
      expect(runs, `runs of ${task.id}`).toBeGreaterThanOrEqual(1);
      expect(runs, `runs of ${task.id}`).toBeLessThanOrEqual(1 + info.retryCount + info.requeueCount);
      expect(runs + info.requeueCount, `runs of ${task.id}`).toBeGreaterThanOrEqual(1 + info.retryCount);
    }

    // No occurrence fired twice: job n is the nth one created, each in an interval of its own (an
    // occurrence missed while the service was down is skipped, so intervals may be left out).
    const jobs = await scheduleJobs();
    expect(jobs.map((j) => j.id)).toEqual(jobs.map((_, i) => `tick_job-${i + 1}`));
    const intervals = jobs.map((j) => Math.floor((Date.parse(j.creationTime) - anchor) / INTERVAL));
    expect(intervals[0]).toBeGreaterThanOrEqual(0);
    for (let i = 1; i < intervals.length; i++) expect(intervals[i]).toBeGreaterThan(intervals[i - 1]!);
    expect(new Set(jobs.map((j) => j.creationTime)).size).toBe(jobs.length);

    await client.jobSchedules.terminate("tick");
    await client.pools.delete("rp");
    await waitFor("the agents to stop", async () => processesMentioning(`${dataDir}/nodes`).length === 0);
  });
});
