/**
 * When a job schedule creates its jobs (service/core/scheduleOccurrences.ts): first run time, the
 * recurrence, the start window, one active job at a time, doNotRunAfter, disabled schedules, and the
 * refusal of times that are not times. Times are plain milliseconds: no clock is involved.
 */
import { describe, expect, it } from "vitest";
import {
  firstRunTime,
  nextStep,
  runTimeAfter,
  type ScheduleSituation,
  type ScheduleTiming,
  timingOf,
  windowOf,
} from "../../../service/core/scheduleOccurrences.js";
import { thrownBatchError } from "../api/apiHarness.js";

const S = 1000;
const idle = (nextRunTime: number | undefined): ScheduleSituation => ({
  nextRunTime,
  jobActive: false,
  disabled: false,
});
const busy = (nextRunTime: number | undefined): ScheduleSituation => ({
  ...idle(nextRunTime),
  jobActive: true,
});

describe("a schedule's first run time", () => {
  it("is doNotRunUntil, or the moment it is added", () => {
    expect(firstRunTime({}, 5 * S)).toBe(5 * S);
    expect(firstRunTime({ doNotRunUntil: 60 * S }, 5 * S)).toBe(60 * S);
  });

  it("is none when doNotRunUntil is after doNotRunAfter", () => {
    expect(firstRunTime({ doNotRunUntil: 60 * S, doNotRunAfter: 30 * S }, 0)).toBeUndefined();
  });

  it("after a change, follows the last occurrence handled: one interval on, or a later doNotRunUntil", () => {
    const every10 = { recurrenceInterval: 10 * S };
    expect(firstRunTime(every10, 33 * S, 30 * S)).toBe(40 * S);
    expect(firstRunTime({ ...every10, doNotRunUntil: 100 * S }, 33 * S, 30 * S)).toBe(100 * S);
    // A one-off schedule that has run runs again only if doNotRunUntil moved past its run.
    expect(firstRunTime({}, 33 * S, 30 * S)).toBeUndefined();
    expect(firstRunTime({ doNotRunUntil: 20 * S }, 33 * S, 30 * S)).toBeUndefined();
    expect(firstRunTime({ doNotRunUntil: 50 * S }, 33 * S, 30 * S)).toBe(50 * S);
  });
});

describe("the recurrence", () => {
  const timing: ScheduleTiming = { recurrenceInterval: 10 * S };

  it("is anchored on the first occurrence: a late job does not shift the next one", () => {
    expect(nextStep(timing, idle(0), 0)).toEqual({ action: "createJob", due: 0, nextRunTime: 10 * S });
    expect(nextStep(timing, idle(10 * S), 13 * S)).toEqual({
      action: "createJob",
      due: 10 * S,
      nextRunTime: 20 * S,
    });
    expect(runTimeAfter(timing, 20 * S)).toBe(30 * S);
  });

  it("waits for the next occurrence", () => {
    expect(nextStep(timing, busy(20 * S), 13 * S)).toEqual({
      action: "wait",
      nextRunTime: 20 * S,
      wakeAt: 20 * S,
    });
  });

  it("without an interval, creates one job and completes when it is over", () => {
    expect(nextStep({}, idle(0), 0)).toEqual({ action: "createJob", due: 0, nextRunTime: undefined });
    expect(nextStep({}, busy(undefined), 5 * S)).toEqual({
      action: "wait",
      nextRunTime: undefined,
      wakeAt: undefined,
    });
    expect(nextStep({}, idle(undefined), 9 * S)).toEqual({ action: "complete" });
  });
});

describe("the start window", () => {
  const timing: ScheduleTiming = { recurrenceInterval: 10 * S, startWindow: 3 * S };

  it("is capped at the interval: a missed occurrence is not carried into the next", () => {
    expect(windowOf(timing)).toBe(3 * S);
    expect(windowOf({ recurrenceInterval: 10 * S, startWindow: 60 * S })).toBe(10 * S);
    expect(windowOf({ recurrenceInterval: 10 * S })).toBe(10 * S);
    expect(windowOf({})).toBe(Infinity);
  });

  it("lets an occurrence due while the previous job is active wait for it, until the window ends", () => {
    expect(nextStep(timing, busy(10 * S), 11 * S)).toEqual({
      action: "wait",
      nextRunTime: 10 * S,
      wakeAt: 13 * S + 1,
    });
    // The previous job completed within the window: the job is created then.
    expect(nextStep(timing, idle(10 * S), 12.5 * S)).toEqual({
      action: "createJob",
      due: 10 * S,
      nextRunTime: 20 * S,
    });
  });

  it("skips an occurrence whose window passed", () => {
    expect(nextStep(timing, busy(10 * S), 13 * S + 1)).toEqual({
      action: "wait",
      nextRunTime: 20 * S,
      wakeAt: 20 * S,
      skipped: 10 * S,
    });
    expect(nextStep(timing, idle(10 * S), 14 * S)).toEqual({
      action: "wait",
      nextRunTime: 20 * S,
      wakeAt: 20 * S,
      skipped: 10 * S,
    });
  });

  it("after a long outage, skips every missed occurrence and runs the latest one if its window is open", () => {
    expect(nextStep(timing, idle(10 * S), 1_000 * S + 2 * S)).toEqual({
      action: "createJob",
      due: 1_000 * S,
      nextRunTime: 1_010 * S,
    });
    expect(nextStep(timing, idle(10 * S), 1_005 * S)).toEqual({
      action: "wait",
      nextRunTime: 1_010 * S,
      wakeAt: 1_010 * S,
      skipped: 1_000 * S,
    });
  });

  it("of a one-off schedule, once passed, leaves no job to create", () => {
    expect(nextStep({ startWindow: 5 * S }, idle(0), 6 * S)).toEqual({ action: "complete", skipped: 0 });
  });
});

describe("doNotRunAfter", () => {
  const timing: ScheduleTiming = { recurrenceInterval: 10 * S, doNotRunAfter: 25 * S };

  it("ends the recurrence: no occurrence is due after it", () => {
    expect(runTimeAfter(timing, 10 * S)).toBe(20 * S);
    expect(runTimeAfter(timing, 20 * S)).toBeUndefined();
    expect(nextStep(timing, idle(20 * S), 20 * S)).toEqual({
      action: "createJob",
      due: 20 * S,
      nextRunTime: undefined,
    });
  });

  it("keeps a recurring schedule active until it has passed, then completes it once no job is active", () => {
    expect(nextStep(timing, idle(undefined), 22 * S)).toEqual({
      action: "wait",
      nextRunTime: undefined,
      wakeAt: 25 * S,
    });
    expect(nextStep(timing, busy(undefined), 26 * S)).toEqual({
      action: "wait",
      nextRunTime: undefined,
      wakeAt: undefined,
    });
    expect(nextStep(timing, idle(undefined), 25 * S)).toEqual({ action: "complete" });
  });

  it("creates no job after it, even for an occurrence due before it", () => {
    expect(nextStep(timing, busy(20 * S), 21 * S)).toEqual({
      action: "wait",
      nextRunTime: 20 * S,
      wakeAt: 25 * S + 1,
    });
    expect(nextStep(timing, idle(20 * S), 25 * S + 1)).toEqual({ action: "complete", skipped: 20 * S });
  });
});

describe("a disabled schedule", () => {
  const timing: ScheduleTiming = { recurrenceInterval: 10 * S };
  const disabled = (nextRunTime: number): ScheduleSituation => ({ ...idle(nextRunTime), disabled: true });

  it("lets its occurrences pass without a job, and its next run time follows", () => {
    expect(nextStep(timing, disabled(20 * S), 15 * S)).toEqual({
      action: "wait",
      nextRunTime: 20 * S,
      wakeAt: 20 * S,
    });
    expect(nextStep(timing, disabled(20 * S), 20 * S)).toEqual({
      action: "wait",
      nextRunTime: 30 * S,
      wakeAt: 30 * S,
      skipped: 20 * S,
    });
  });

  it("completes when its last occurrence passes", () => {
    expect(nextStep({}, disabled(20 * S), 20 * S)).toEqual({ action: "complete", skipped: 20 * S });
  });
});

describe("reading a schedule", () => {
  it("turns its times and durations into milliseconds", () => {
    expect(
      timingOf(
        {
          doNotRunUntil: "2030-01-01T00:00:00Z",
          doNotRunAfter: "2030-01-02T00:00:00.500Z",
          startWindow: "PT5M",
          recurrenceInterval: "P1D",
        },
        60 * S,
      ),
    ).toEqual({
      doNotRunUntil: Date.UTC(2030, 0, 1),
      doNotRunAfter: Date.UTC(2030, 0, 2) + 500,
      startWindow: 300 * S,
      recurrenceInterval: 86_400 * S,
    });
  });

  it.each([
    [{ doNotRunUntil: "tomorrow" }, "schedule.doNotRunUntil"],
    [{ doNotRunAfter: "2030-13-45T99:00:00Z" }, "schedule.doNotRunAfter"],
    [{ recurrenceInterval: "1 hour" }, "schedule.recurrenceInterval"],
    [{ recurrenceInterval: "PT30S" }, "schedule.recurrenceInterval"],
    [{ startWindow: "PT59S" }, "schedule.startWindow"],
  ])("refuses %j, naming %s", (schedule, property) => {
    const error = thrownBatchError(() => timingOf(schedule, 60 * S));
    expect(error.code).toBe("InvalidPropertyValue");
    expect(error.values).toContainEqual({ key: "PropertyName", value: property });
  });
});
