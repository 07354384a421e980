/**
 * When a job schedule creates its jobs, as pure functions of its `schedule` and the time (Azure Batch's
 * rules), so that they are tested without a clock:
 * - occurrences are due at `doNotRunUntil` (or when the schedule is added), then every
 *   `recurrenceInterval` after that first one: anchored, so a late job does not shift the next ones;
 * - an occurrence may create its job until `startWindow` after its due time, and never past the next
 *   occurrence (a missed occurrence is not carried over: a window longer than the interval is the interval);
 * - a schedule has at most one active job: an occurrence due while its previous job is active waits for
 *   that job to complete, within its window, else it is skipped;
 * - no job is created after `doNotRunAfter`; occurrences due while the schedule is disabled are skipped;
 * - with no occurrence left and no active job the schedule completes (a recurring one with
 *   `doNotRunAfter` only once that time has passed, as Azure does).
 * Times are epoch milliseconds.
 */

import { parseDuration } from "../../protocol/duration.js";
import { BatchError } from "../../protocol/errors.js";
import type { Schedule } from "../../protocol/rest/jobSchedule.js";

export interface ScheduleTiming {
  doNotRunUntil?: number;
  doNotRunAfter?: number;
  /** Absent: unlimited. */
  startWindow?: number;
  /** Absent: one occurrence only. */
  recurrenceInterval?: number;
}

/** What the schedule is doing now. */
export interface ScheduleSituation {
  /** Due time of the next occurrence not handled yet (it may be past while it waits for the active job). */
  nextRunTime: number | undefined;
  /** A job the schedule created is not completed yet. */
  jobActive: boolean;
  disabled: boolean;
}

/** What to do now. `skipped`: due time of the last occurrence given up in this step, if any. */
export type ScheduleStep =
  | { action: "createJob"; due: number; nextRunTime: number | undefined }
  | { action: "wait"; nextRunTime: number | undefined; wakeAt: number | undefined; skipped?: number }
  | { action: "complete"; skipped?: number };

/** The schedule's times in milliseconds, or an `InvalidPropertyValue` naming the property that is wrong. */
export function timingOf(schedule: Schedule, minimumIntervalMs: number): ScheduleTiming {
  return {
    doNotRunUntil: instant(schedule.doNotRunUntil, "schedule.doNotRunUntil"),
    doNotRunAfter: instant(schedule.doNotRunAfter, "schedule.doNotRunAfter"),
    startWindow: span(schedule.startWindow, "schedule.startWindow", minimumIntervalMs),
    recurrenceInterval: span(schedule.recurrenceInterval, "schedule.recurrenceInterval", minimumIntervalMs),
  };
}

/**
 * The first occurrence of a schedule added (or changed) at `now`. After a change, `lastDue` is the due
 * time of the last occurrence already handled: a recurring schedule goes on one interval after it (or at
 * `doNotRunUntil` if later), a one-off one runs again only if `doNotRunUntil` moved past it.
 */
export function firstRunTime(timing: ScheduleTiming, now: number, lastDue?: number): number | undefined {
  const { doNotRunUntil, recurrenceInterval } = timing;
  let first: number | undefined;
  if (lastDue === undefined) first = doNotRunUntil ?? now;
  else if (recurrenceInterval !== undefined)
    first = Math.max(lastDue + recurrenceInterval, doNotRunUntil ?? -Infinity);
  else if (doNotRunUntil !== undefined && doNotRunUntil > lastDue) first = doNotRunUntil;
  return notAfterDeadline(timing, first);
}

/** The occurrence after the one due at `due`, if any. */
export function runTimeAfter(timing: ScheduleTiming, due: number): number | undefined {
  if (timing.recurrenceInterval === undefined) return undefined;
  return notAfterDeadline(timing, due + timing.recurrenceInterval);
}

/** How long after its due time an occurrence may still create its job. */
export function windowOf(timing: ScheduleTiming): number {
  return Math.min(timing.startWindow ?? Infinity, timing.recurrenceInterval ?? Infinity);
}

export function nextStep(timing: ScheduleTiming, situation: ScheduleSituation, now: number): ScheduleStep {
  const { doNotRunAfter, recurrenceInterval } = timing;
  const window = windowOf(timing);
  let due = notAfterDeadline(timing, situation.nextRunTime);
  let skipped: number | undefined;
  if (due !== undefined && due <= now) {
    // Only the latest occurrence due by now can still be in its window: the earlier ones are skipped.
    const limit = Math.min(now, doNotRunAfter ?? Infinity);
    if (recurrenceInterval !== undefined && limit >= due) {
      const later = Math.floor((limit - due) / recurrenceInterval);
      if (later > 0) {
        skipped = due + (later - 1) * recurrenceInterval;
        due += later * recurrenceInterval;
      }
    }
    const lost = situation.disabled || now > due + window || now > (doNotRunAfter ?? Infinity);
    if (lost) {
      skipped = due;
      due = runTimeAfter(timing, due);
    }
  }
  if (due === undefined) {
    if (situation.jobActive) return { action: "wait", nextRunTime: undefined, wakeAt: undefined, skipped };
    if (recurrenceInterval !== undefined && doNotRunAfter !== undefined && now < doNotRunAfter)
      return { action: "wait", nextRunTime: undefined, wakeAt: doNotRunAfter, skipped };
    return { action: "complete", skipped };
  }
  if (due > now) return { action: "wait", nextRunTime: due, wakeAt: due, skipped };
  if (situation.jobActive) {
    // Given up just after the end of its window (or of doNotRunAfter), unless the active job completes first.
    const givenUpAt = Math.min(due + window, doNotRunAfter ?? Infinity) + 1;
    return { action: "wait", nextRunTime: due, wakeAt: Number.isFinite(givenUpAt) ? givenUpAt : undefined };
  }
  return { action: "createJob", due, nextRunTime: runTimeAfter(timing, due) };
}

function notAfterDeadline(timing: ScheduleTiming, time: number | undefined): number | undefined {
  return time !== undefined && time <= (timing.doNotRunAfter ?? Infinity) ? time : undefined;
}

function instant(text: string | undefined, property: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms))
    throw invalid(property, text, "it must be an ISO 8601 date-time, e.g. 2025-01-31T09:00:00Z.");
  return ms;
}

function span(text: string | undefined, property: string, minimumMs: number): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined) throw invalid(property, text, "it must be an ISO 8601 duration, e.g. PT1H.");
  if (ms < minimumMs) {
    throw invalid(
      property,
      text,
      `it must be at least ${minimumMs / 1000} s, the service's minimum (Azure's is 1 minute).`,
    );
  }
  return ms;
}

function invalid(property: string, value: string, reason: string): BatchError {
  return new BatchError("InvalidPropertyValue", `The value of '${property}' is not valid: ${reason}`, [
    { key: "PropertyName", value: property },
    { key: "PropertyValue", value },
    { key: "Reason", value: reason },
  ]);
}
