/**
 * The official `@azure/batch` 10.2.0 client, unchanged, drives autoscale with the Azure documents'
 * formulas: a pool added with a formula, `evaluateAutoScale` against its live samples (pending-task
 * sampling, time of day), `enableAutoScale` with a new formula, `autoScaleRun`, `disableAutoScale`.
 */
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { beforeAll, describe, expect, it } from "vitest";
import { serviceForSuite, waitFor } from "../integration/harness.js";

/** The documents' pending-task formula (example 2), capped at 20 nodes. */
const PENDING_TASKS = `$samples = $PendingTasks.GetSamplePercent(TimeInterval_Minute * 15);
$tasks = $samples < 70 ? max(0,$PendingTasks.GetSample(1)) : max( $PendingTasks.GetSample(1), avg($PendingTasks.GetSample(TimeInterval_Minute * 15)));
$targetVMs = $tasks > 0? $tasks:max(0, $TargetDedicatedNodes/2);
$TargetDedicatedNodes = max(0, min($targetVMs, 20));
$NodeDeallocationOption = taskcompletion;`;

/** The documents' time-of-day formula: 20 nodes on weekday working hours (UTC), 10 otherwise. */
const TIME_OF_DAY = `$curTime = time();
$workHours = $curTime.hour >= 8 && $curTime.hour < 18;
$isWeekday = $curTime.weekday >= 1 && $curTime.weekday <= 5;
$isWorkingWeekdayHour = $workHours && $isWeekday;
$TargetDedicatedNodes = $isWorkingWeekdayHour ? 20:10;
$NodeDeallocationOption = taskcompletion;`;

describe("@azure/batch client and autoscale formulas", () => {
  const suite = serviceForSuite("azautoscale");
  let batch: BatchServiceClient;

  beforeAll(() => {
    const { accountName, accountKey, endpoint } = suite.service;
    batch = new BatchServiceClient(new BatchSharedKeyCredentials(accountName, accountKey), endpoint);
  });

  it("samples pending tasks, evaluates the documents' formulas, and enables and disables autoscale", async () => {
    // A formula that keeps the pool empty, so the tasks stay pending while the samples are read.
    await batch.pool.add({
      id: "scaled",
      vmSize: "standard_d2s_v3",
      enableAutoScale: true,
      autoScaleFormula: "$TargetDedicatedNodes = 0;",
      autoScaleEvaluationInterval: "PT2S",
    });
    await batch.job.add({ id: "queued", poolInfo: { poolId: "scaled" } });
    await batch.task.addCollection(
      "queued",
      ["a", "b", "c"].map((id) => ({ id, commandLine: "/bin/true" })),
    );

    // A sample is taken every 2 s (the evaluation interval, shorter than Azure's 30 s): the latest one
    // sees the 3 queued tasks, and the history is too thin for the 15-minute average.
    await waitFor("a pending-task sample of 3", async () => {
      const run = await batch.pool.evaluateAutoScale("scaled", PENDING_TASKS);
      return run.results?.startsWith("$TargetDedicatedNodes=3;") === true;
    });
    const pending = await batch.pool.evaluateAutoScale("scaled", PENDING_TASKS);
    expect(pending.error).toBeUndefined();
    expect(pending.results).toMatch(
      /^\$TargetDedicatedNodes=3;\$TargetLowPriorityNodes=0;\$NodeDeallocationOption=taskcompletion;\$samples=\d+(\.\d+)?;\$targetVMs=3;\$tasks=3$/,
    );
    // Evaluating applies nothing.
    expect((await batch.pool.get("scaled")).targetDedicatedNodes).toBe(0);

    const now = new Date();
    const working =
      now.getUTCHours() >= 8 && now.getUTCHours() < 18 && now.getUTCDay() >= 1 && now.getUTCDay() <= 5;
    const timeOfDay = await batch.pool.evaluateAutoScale("scaled", TIME_OF_DAY);
    expect(timeOfDay.error).toBeUndefined();
    expect(timeOfDay.results).toContain(`$TargetDedicatedNodes=${working ? 20 : 10};`);
    expect(timeOfDay.results).toContain(`$isWorkingWeekdayHour=${working ? 1 : 0}`);

    // An error comes back in the run, with Azure's code, not as an HTTP error.
    const broken = await batch.pool.evaluateAutoScale(
      "scaled",
      "$TargetDedicatedNodes = $Nope.GetSample(1);",
    );
    expect(broken.error?.code).toBe("AutoScaleFormulaEvaluationError");
    expect(broken.error?.values?.map((v) => v.value).join(" ")).toContain("$Nope");

    // The pending-task formula, enabled: the pool grows to the queued work and runs it.
    await batch.pool.enableAutoScale("scaled", {
      autoScaleFormula: PENDING_TASKS,
      autoScaleEvaluationInterval: "PT2S",
    });
    const enabled = await batch.pool.get("scaled");
    expect(enabled.autoScaleFormula).toBe(PENDING_TASKS);
    expect(enabled.autoScaleRun?.results).toContain("$TargetDedicatedNodes=3;");
    await waitFor("every task done", async () => {
      const counts = await batch.job.getTaskCounts("queued");
      return counts.taskCounts.completed === 3;
    });

    await batch.pool.disableAutoScale("scaled");
    const disabled = await batch.pool.get("scaled");
    expect(disabled.enableAutoScale).toBe(false);
    expect(disabled.autoScaleFormula).toBeUndefined();
    await batch.pool.deleteMethod("scaled");
  });
});
