/**
 * Jobs' `constraints.maxWallClockTime`: one timer per job that has one, armed from the job's creation
 * time (so a restart re-arms it with what is left, or fires at once), cleared when the job ends.
 */
import { BatchError } from "../../protocol/errors.js";
import type { JobRecord } from "./records.js";
import { parseDuration } from "./time.js";

export class JobDeadlines {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly expire: (jobId: string) => void) {}

  /** The limit in milliseconds, or a clear error for a duration that is not one. */
  static limitOf(job: Pick<JobRecord, "spec">): number | undefined {
    const text = job.spec.constraints?.maxWallClockTime;
    if (text === undefined) return undefined;
    const ms = parseDuration(text);
    if (ms === undefined || ms <= 0) {
      throw new BatchError(
        "InvalidPropertyValue",
        `constraints.maxWallClockTime '${text}' is not a positive ISO 8601 duration, e.g. PT2H.`,
        [
          { key: "PropertyName", value: "constraints.maxWallClockTime" },
          { key: "PropertyValue", value: text },
        ],
      );
    }
    return ms;
  }

  /** (Re)arms the job's timer from its settings; a job that is over has none. */
  arm(job: JobRecord): void {
    this.clear(job.id);
    const limit = JobDeadlines.limitOf(job);
    if (
      limit === undefined ||
      job.state === "terminating" ||
      job.state === "completed" ||
      job.state === "deleting"
    )
      return;
    const due = Date.parse(job.creationTime) + limit - Date.now();
    // setTimeout holds at most ~24.8 days; a longer limit is re-armed when that first wait ends.
    const wait = Math.min(Math.max(due, 0), 2 ** 31 - 1);
    const timer = setTimeout(() => {
      this.timers.delete(job.id);
      if (due > wait) this.arm(job);
      else this.expire(job.id);
    }, wait);
    timer.unref();
    this.timers.set(job.id, timer);
  }

  clear(jobId: string): void {
    clearTimeout(this.timers.get(jobId));
    this.timers.delete(jobId);
  }
}
