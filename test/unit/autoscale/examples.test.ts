/**
 * The Azure Batch documents' example formulas, each against a fixed clock and sample history, checked
 * against the exact `results` string Azure's evaluateAutoScale would return.
 */
import { describe, expect, it } from "vitest";
import { evaluateFormula } from "../../../service/autoscale/evaluator.js";
import { contextAt, history, tuesdayAfternoon } from "./formulaContext.js";

const now = tuesdayAfternoon;

describe("pending-task sampling (documents' example 2)", () => {
  const formula = `// Get pending tasks for the past 15 minutes.
$samples = $PendingTasks.GetSamplePercent(TimeInterval_Minute * 15);
// If we have fewer than 70 percent data points, we use the last sample point,
// otherwise we use the maximum of last sample point and the history average.
$tasks = $samples < 70 ? max(0,$PendingTasks.GetSample(1)) : max( $PendingTasks.GetSample(1), avg($PendingTasks.GetSample(TimeInterval_Minute * 15)));
/* If number of pending tasks is not 0, set targetVM to pending tasks, otherwise
   half of current dedicated. */
$targetVMs = $tasks > 0? $tasks:max(0, $TargetDedicatedNodes/2);
$TargetDedicatedNodes = max(0, min($targetVMs, 20));
$NodeDeallocationOption = taskcompletion;`;

  it("uses the larger of the last sample and the 15-minute average when the history is full", () => {
    const samples = history(now, [...Array(29).fill(6), 12]);
    const run = evaluateFormula(
      formula,
      contextAt(now, { targetDedicatedNodes: 4, metrics: { PendingTasks: { samples } } }),
    );
    expect(run.error).toBeUndefined();
    expect(run.results).toBe(
      "$TargetDedicatedNodes=12;$TargetLowPriorityNodes=0;$NodeDeallocationOption=taskcompletion;$samples=100;$targetVMs=12;$tasks=12",
    );
    expect(run.targets).toEqual({
      targetDedicatedNodes: 12,
      targetLowPriorityNodes: 0,
      nodeDeallocationOption: "taskcompletion",
    });
  });

  it("falls back to the last sample with a thin history, and halves the pool when nothing is pending", () => {
    const samples = history(now, [5, 1, 0]);
    const run = evaluateFormula(
      formula,
      contextAt(now, { targetDedicatedNodes: 4, metrics: { PendingTasks: { samples } } }),
    );
    expect(run.results).toBe(
      "$TargetDedicatedNodes=2;$TargetLowPriorityNodes=0;$NodeDeallocationOption=taskcompletion;$samples=10;$targetVMs=2;$tasks=0",
    );
  });

  it("caps the target at 20", () => {
    const samples = history(now, Array(30).fill(50));
    const run = evaluateFormula(formula, contextAt(now, { metrics: { PendingTasks: { samples } } }));
    expect(run.targets.targetDedicatedNodes).toBe(20);
    expect(run.results).toMatch(/;\$tasks=50$/);
  });

  it("fails with InsufficientSampleData at the GetSample(1) call when there is no sample at all", () => {
    const run = evaluateFormula(formula, contextAt(now, { targetDedicatedNodes: 3 }));
    expect(run.error?.code).toBe("InsufficientSampleData");
    expect(run.error?.message).toBe("Autoscale evaluation failed due to insufficient sample data");
    expect(run.error?.values[0].name).toBe("Message");
    expect(run.error?.values[0].value).toMatch(
      /^Line 5, Col 46: Insufficient data from data set: \$PendingTasks wanted 1 samples, received 0/,
    );
    // What ran before the failure is still reported, as Azure does.
    expect(run.results).toBe(
      "$TargetDedicatedNodes=3;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue;$samples=0",
    );
  });
});

describe("the documents' first sample formula (180 s of pending tasks)", () => {
  const formula = `startingNumberOfVMs = 1;
maxNumberofVMs = 25;
pendingTaskSamplePercent = $PendingTasks.GetSamplePercent(180 * TimeInterval_Second);
pendingTaskSamples = pendingTaskSamplePercent < 70 ? startingNumberOfVMs : avg($PendingTasks.GetSample(180 * TimeInterval_Second));
$TargetDedicatedNodes=min(maxNumberofVMs, pendingTaskSamples);
$NodeDeallocationOption = taskcompletion;`;

  it("averages six samples when the last three minutes are complete", () => {
    const samples = history(now, [99, 10, 20, 30, 40, 50, 60]);
    const run = evaluateFormula(formula, contextAt(now, { metrics: { PendingTasks: { samples } } }));
    expect(run.results).toBe(
      "$TargetDedicatedNodes=25;$TargetLowPriorityNodes=0;$NodeDeallocationOption=taskcompletion;" +
        "maxNumberofVMs=25;pendingTaskSamplePercent=100;pendingTaskSamples=35;startingNumberOfVMs=1",
    );
  });

  it("starts with one node while fewer than 70% of the samples exist (samples older than a minute missing)", () => {
    const samples = history(now, [7, 7, 7], 30_000, 0);
    const run = evaluateFormula(formula, contextAt(now, { metrics: { PendingTasks: { samples } } }));
    expect(run.results).toContain("$TargetDedicatedNodes=1;");
    expect(run.results).toContain("pendingTaskSamplePercent=50;");
  });
});

describe("time of day (documents' example 1)", () => {
  const formula = `$curTime = time();
$workHours = $curTime.hour >= 8 && $curTime.hour < 18;
$isWeekday = $curTime.weekday >= 1 && $curTime.weekday <= 5;
$isWorkingWeekdayHour = $workHours && $isWeekday;
$TargetDedicatedNodes = $isWorkingWeekdayHour ? 20:10;
$NodeDeallocationOption = taskcompletion;`;

  it("is 20 nodes on a weekday afternoon", () => {
    expect(evaluateFormula(formula, contextAt(now)).results).toBe(
      "$TargetDedicatedNodes=20;$TargetLowPriorityNodes=0;$NodeDeallocationOption=taskcompletion;" +
        "$curTime=2026-11-24T14:00:00.000Z;$isWeekday=1;$isWorkingWeekdayHour=1;$workHours=1",
    );
  });

  it("is 10 nodes on a weekday evening and on a Saturday", () => {
    const evening = evaluateFormula(formula, contextAt(Date.parse("2026-11-24T18:00:00Z")));
    expect(evening.results).toContain("$TargetDedicatedNodes=10;");
    expect(evening.results).toContain("$isWeekday=1;$isWorkingWeekdayHour=0;$workHours=0");
    const saturday = evaluateFormula(formula, contextAt(Date.parse("2026-11-28T10:30:00Z")));
    expect(saturday.results).toContain("$TargetDedicatedNodes=10;");
    expect(saturday.results).toContain("$isWeekday=0;$isWorkingWeekdayHour=0;$workHours=1");
  });

  it("shifts to a local time zone by adding an interval", () => {
    const run = evaluateFormula(
      "$curTime = time() + (-6 * TimeInterval_Hour); $h = $curTime.hour;",
      contextAt(now),
    );
    expect(run.results).toContain("$curTime=2026-11-24T08:00:00.000Z;$h=8");
  });
});

describe("CPU-based (the documents' worked formula)", () => {
  const formula = `$totalDedicatedNodes =
    (min($CPUPercent.GetSample(TimeInterval_Minute * 10)) > 0.7) ?
    ($CurrentDedicatedNodes * 1.1) : $CurrentDedicatedNodes;
$totalDedicatedNodes =
    (avg($CPUPercent.GetSample(TimeInterval_Minute * 60)) < 0.2) ?
    ($CurrentDedicatedNodes * 0.9) : $totalDedicatedNodes;
$TargetDedicatedNodes = min(400, $totalDedicatedNodes)`;
  const withCpu = (value: number, nodes = 10) =>
    contextAt(now, {
      targetDedicatedNodes: nodes,
      metrics: {
        CPUPercent: { samples: history(now, Array(120).fill(value)) },
        CurrentDedicatedNodes: { current: nodes, samples: [] },
      },
    });

  it("grows by 10% under high CPU", () => {
    const run = evaluateFormula(formula, withCpu(0.9));
    expect(run.results).toBe(
      "$TargetDedicatedNodes=11;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue;$totalDedicatedNodes=11",
    );
    expect(run.targets.targetDedicatedNodes).toBe(11);
  });

  it("reports the double as computed and rounds only the target it hands to the pool", () => {
    const run = evaluateFormula(formula, withCpu(0.9, 3));
    expect(run.results).toContain("$TargetDedicatedNodes=3.3000000000000003;");
    expect(run.targets.targetDedicatedNodes).toBe(3);
  });

  it("shrinks by 10% under low CPU and holds in between", () => {
    expect(evaluateFormula(formula, withCpu(0.1)).results).toContain("$TargetDedicatedNodes=9;");
    expect(evaluateFormula(formula, withCpu(0.5)).results).toContain("$TargetDedicatedNodes=10;");
  });
});

describe("low-priority nodes and preemption", () => {
  const formula = `maxNumberofVMs = 25;
$TargetDedicatedNodes = min(maxNumberofVMs, $PreemptedNodeCount.GetSample(180 * TimeInterval_Second));
$TargetLowPriorityNodes = min(maxNumberofVMs , maxNumberofVMs - $TargetDedicatedNodes);
$NodeDeallocationOption = taskcompletion;`;

  it("replaces preempted low-priority nodes with dedicated ones", () => {
    const samples = history(now, [3, 3, 3, 3, 3, 3]);
    expect(
      evaluateFormula(formula, contextAt(now, { metrics: { PreemptedNodeCount: { samples } } })).results,
    ).toBe(
      "$TargetDedicatedNodes=3;$TargetLowPriorityNodes=22;$NodeDeallocationOption=taskcompletion;maxNumberofVMs=25",
    );
  });

  it("takes the smallest sample in the window, since min() flattens the vector into its list", () => {
    const samples = history(now, [0, 1, 2, 3, 4, 5]);
    const run = evaluateFormula(formula, contextAt(now, { metrics: { PreemptedNodeCount: { samples } } }));
    expect(run.targets).toEqual({
      targetDedicatedNodes: 0,
      targetLowPriorityNodes: 25,
      nodeDeallocationOption: "taskcompletion",
    });
  });
});

describe("initial pool size, then shrink when idle (documents' example 4)", () => {
  const formula = `$TargetDedicatedNodes = 4;
    lifespan         = time() - time("Tue, 24 Nov 2026 13:55:00 GMT");
    span             = TimeInterval_Minute * 60;
    startup          = TimeInterval_Minute * 10;
    ratio            = 50;
    $TargetDedicatedNodes = (lifespan > startup ? (max($RunningTasks.GetSample(span, ratio), $ActiveTasks.GetSample(span, ratio)) == 0 ? 0 : $TargetDedicatedNodes) : 4);`;

  it("keeps four nodes during the first ten minutes", () => {
    expect(evaluateFormula(formula, contextAt(now)).results).toBe(
      "$TargetDedicatedNodes=4;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue;lifespan=00:05:00;ratio=50;span=01:00:00;startup=00:10:00",
    );
  });

  it("goes to zero after an idle hour, and keeps its size while tasks ran", () => {
    const later = Date.parse("2026-11-24T15:00:00Z");
    const idle = { samples: history(later, Array(120).fill(0)) };
    const run = evaluateFormula(
      formula,
      contextAt(later, { metrics: { RunningTasks: idle, ActiveTasks: idle } }),
    );
    expect(run.results).toContain("$TargetDedicatedNodes=0;");
    expect(run.results).toContain("lifespan=01:05:00;");
    const busy = { samples: history(later, [...Array(119).fill(0), 2]) };
    const running = evaluateFormula(
      formula,
      contextAt(later, { metrics: { RunningTasks: busy, ActiveTasks: idle } }),
    );
    expect(running.results).toContain("$TargetDedicatedNodes=4;");
  });

  it("fails when fewer than half of the hour's samples exist", () => {
    const later = Date.parse("2026-11-24T15:00:00Z");
    const thin = { samples: history(later, Array(30).fill(0)) };
    const run = evaluateFormula(
      formula,
      contextAt(later, { metrics: { RunningTasks: thin, ActiveTasks: thin } }),
    );
    expect(run.error?.code).toBe("InsufficientSampleData");
    expect(run.error?.values[0].value).toMatch(/^Line 6, Col 70: .*\$RunningTasks wanted 50%, received 25%/);
  });
});
