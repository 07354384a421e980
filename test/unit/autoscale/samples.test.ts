/**
 * The sample methods against a fixed clock: windows by look-back interval or timestamp, the sample
 * percent, the InsufficientSampleData failure that GetSamplePercent lets a formula avoid, and vector
 * arithmetic on the samples.
 */
import { describe, expect, it } from "vitest";
import { evaluateFormula } from "../../../service/autoscale/evaluator.js";
import { contextAt, errorOf, evaluated, history, tuesdayAfternoon } from "./formulaContext.js";

const now = tuesdayAfternoon;
/** Ten minutes of CPU samples, every 30 s, oldest 1 and newest 20, the newest taken at `now`. */
const cpu = contextAt(now, { metrics: { CPUPercent: { samples: history(now, range(1, 20)) } } });
/** The same samples, but the last minute of them missing (not yet available). */
const lagging = contextAt(now, {
  metrics: { CPUPercent: { samples: history(now, range(1, 18), 30_000, 60_000) } },
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, index) => from + index);
}

describe("GetSample", () => {
  it("by count returns the most recent samples, oldest first", () => {
    expect(evaluated("$CPUPercent.GetSample(1)", cpu)).toBe("[20]");
    expect(evaluated("$CPUPercent.GetSample(3)", cpu)).toBe("[18,19,20]");
  });

  it("by look-back interval returns the samples of that window", () => {
    expect(evaluated("len($CPUPercent.GetSample(TimeInterval_Minute * 10))", cpu)).toBe("20");
    expect(evaluated("$CPUPercent.GetSample(TimeInterval_Minute * 2)", cpu)).toBe("[17,18,19,20]");
    expect(evaluated("len($CPUPercent.GetSample(TimeInterval_Minute * 10))", lagging)).toBe("18");
  });

  it("between two look-backs, in either order, or between timestamps", () => {
    expect(evaluated("$CPUPercent.GetSample(TimeInterval_Minute * 1, TimeInterval_Minute * 3)", cpu)).toBe(
      "[15,16,17,18]",
    );
    expect(evaluated("$CPUPercent.GetSample(TimeInterval_Minute * 3, TimeInterval_Minute * 1)", cpu)).toBe(
      "[15,16,17,18]",
    );
    const absolute = '$CPUPercent.GetSample(time("2026-11-24T13:58:00Z"), time("2026-11-24T13:59:00Z"))';
    expect(evaluated(absolute, cpu)).toBe("[17,18]");
    expect(evaluated("len($CPUPercent.GetSample(time() + -10 * TimeInterval_Minute))", cpu)).toBe("20");
  });

  it("with a sample percent succeeds when enough samples are present (the documents' 90% case)", () => {
    expect(evaluated("len($CPUPercent.GetSample(TimeInterval_Minute * 10, 80))", lagging)).toBe("18");
    expect(
      evaluated("len($CPUPercent.GetSample(TimeInterval_Minute * 20, TimeInterval_Minute * 10, 0))", lagging),
    ).toBe("0");
  });

  it("with a sample percent fails with InsufficientSampleData when too few are present", () => {
    const error = errorOf("a = 1;\nx = $CPUPercent.GetSample(TimeInterval_Minute * 10, 95);", lagging);
    expect(error.code).toBe("InsufficientSampleData");
    expect(error.message).toBe("Autoscale evaluation failed due to insufficient sample data");
    expect(error.detail).toBe(
      "Line 2, Col 17: Insufficient data from data set: $CPUPercent wanted 95%, received 90%; " +
        "guard the call with $CPUPercent.GetSamplePercent(...) or ask for a lower percent",
    );
  });

  it("by count fails when the history holds fewer samples", () => {
    const error = errorOf("x = $CPUPercent.GetSample(21);", cpu);
    expect(error.code).toBe("InsufficientSampleData");
    expect(error.detail).toContain(
      "$CPUPercent wanted 21 samples, received 20; check $CPUPercent.Count() first",
    );
  });

  it("a formula guarded by GetSamplePercent does not fail", () => {
    const formula = `p = $CPUPercent.GetSamplePercent(TimeInterval_Minute * 10);
      $TargetDedicatedNodes = p < 95 ? 1 : avg($CPUPercent.GetSample(TimeInterval_Minute * 10, 95));`;
    const run = evaluateFormula(formula, lagging);
    expect(run.error).toBeUndefined();
    expect(run.results).toBe(
      "$TargetDedicatedNodes=1;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue;p=90",
    );
  });

  it("refuses bad arguments", () => {
    expect(errorOf("x = $CPUPercent.GetSample(0);", cpu).detail).toContain("at least 1, not 0");
    expect(errorOf('x = $CPUPercent.GetSample("5");', cpu).detail).toContain(
      "must be a timeinterval (look-back",
    );
    expect(errorOf("x = $CPUPercent.GetSample(TimeInterval_Minute, 120);", cpu).detail).toContain(
      "between 0 and 100, not 120",
    );
    expect(errorOf("x = $CPUPercent.GetSample();", cpu).detail).toContain(
      "takes 1 or 2 or 3 arguments, not 0",
    );
    expect(errorOf("x = $CPUPercent.GetSample(2, 50);", cpu).detail).toContain(
      "GetSample(count) takes only the count",
    );
  });
});

describe("GetSamplePercent, GetSamplePeriod, Count, HistoryBeginTime", () => {
  it("GetSamplePercent is the share of expected samples present", () => {
    expect(evaluated("$CPUPercent.GetSamplePercent(TimeInterval_Minute * 10)", cpu)).toBe("100");
    expect(evaluated("$CPUPercent.GetSamplePercent(TimeInterval_Minute * 10)", lagging)).toBe("90");
    expect(evaluated("$CPUPercent.GetSamplePercent(TimeInterval_Minute * 20)", cpu)).toBe("50");
    expect(
      evaluated("$CPUPercent.GetSamplePercent(TimeInterval_Minute * 10, TimeInterval_Minute * 5)", cpu),
    ).toBe("100");
    expect(evaluated("$PendingTasks.GetSamplePercent(TimeInterval_Minute)", cpu)).toBe("0");
  });

  it("GetSamplePeriod is the sampling period, which a local account may shorten", () => {
    expect(evaluated("$CPUPercent.GetSamplePeriod()", cpu)).toBe("00:00:30");
    const fast = contextAt(now, {
      samplePeriodMs: 5_000,
      metrics: { PendingTasks: { samples: history(now, [1, 2, 3], 5_000) } },
    });
    expect(evaluated("$PendingTasks.GetSamplePeriod()", fast)).toBe("00:00:05");
    expect(evaluated("$PendingTasks.GetSamplePercent(TimeInterval_Second * 15)", fast)).toBe("100");
  });

  it("Count is the number of samples in the history; HistoryBeginTime the oldest sample's time", () => {
    expect(evaluated("$CPUPercent.Count()", cpu)).toBe("20");
    expect(evaluated("$PendingTasks.Count()", cpu)).toBe("0");
    expect(evaluated("$CPUPercent.HistoryBeginTime()", cpu)).toBe("2026-11-24T13:50:30.000Z");
    expect(errorOf("x = $PendingTasks.HistoryBeginTime();", cpu).detail).toContain(
      "$PendingTasks has no samples yet",
    );
  });

  it("sample methods are only on service-defined metrics and are named on a typo", () => {
    expect(errorOf("x = time().Count();").detail).toContain("Count() is a method of service-defined metrics");
    expect(errorOf("x = $CPUPercent.GetSamples(1);", cpu).detail).toContain(
      "$CPUPercent has no method GetSamples; its methods are GetSample, GetSamplePercent",
    );
  });
});

describe("vectors of samples", () => {
  it("take arithmetic with a double and element-wise with a vector of the same length", () => {
    expect(evaluated("$CPUPercent.GetSample(3) * 2 - 1", cpu)).toBe("[35,37,39]");
    expect(evaluated("$CPUPercent.GetSample(3) / $CPUPercent.GetSample(3)", cpu)).toBe("[1,1,1]");
    expect(errorOf("x = $CPUPercent.GetSample(3) + $CPUPercent.GetSample(2);", cpu).detail).toContain(
      "vectors of different lengths (3 and 2)",
    );
  });

  it("are not doubles", () => {
    expect(errorOf("x = 2 * $CPUPercent.GetSample(3);", cpu).detail).toContain(
      "does not apply to a double and a doubleVec",
    );
    expect(errorOf("x = $CPUPercent.GetSample(3) < 5;", cpu).detail).toContain(
      "does not apply to a doubleVec and a double",
    );
  });

  it("knows every read-only service-defined variable as a metric", () => {
    const names = [
      "CPUPercent",
      "WallClockSeconds",
      "MemoryBytes",
      "DiskBytes",
      "DiskReadBytes",
      "DiskWriteBytes",
    ]
      .concat([
        "DiskReadOps",
        "DiskWriteOps",
        "NetworkInBytes",
        "NetworkOutBytes",
        "SampleNodeCount",
        "ActiveTasks",
      ])
      .concat(["RunningTasks", "PendingTasks", "SucceededTasks", "FailedTasks", "CurrentDedicatedNodes"])
      .concat(["CurrentLowPriorityNodes", "PreemptedNodeCount", "UsableNodeCount", "TaskSlotsPerNode"]);
    const metrics = Object.fromEntries(
      names.map((name, index) => [name, { current: index, samples: history(now, [index]) }]),
    );
    const withAll = contextAt(now, { metrics });
    expect(names.map((name) => evaluated(`$${name}.Count() + $${name}`, withAll))).toEqual(
      names.map((_, index) => `${index + 1}`),
    );
  });

  it("a metric is its current value where a double is wanted, when the service gives one", () => {
    const withCurrent = contextAt(now, { metrics: { CurrentDedicatedNodes: { current: 4, samples: [] } } });
    expect(evaluated("$CurrentDedicatedNodes * 1.5", withCurrent)).toBe("6");
    expect(errorOf("x = $PendingTasks + 1;").detail).toContain(
      "$PendingTasks has no current value; read its samples with $PendingTasks.GetSample(...)",
    );
  });
});
