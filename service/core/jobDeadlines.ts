/**
 * Jobs' `constraints.maxWallClockTime`: one timer per job that has one, armed from the job's creation
 * time (so a restart re-arms it with what is left, or fires at once), cleared when the job ends.
 */

import { parseDuration } from "../../protocol/duration.js";
import { BatchError } from "../../protocol/errors.js";
import type { JobAddParameter } from "../../protocol/rest/job.js";
import type { JobRecord } from "./records.js";
import { TimerPerKey } from "./timerPerKey.js";

export class JobDeadlines {
  private readonly timers: TimerPerKey;

  constructor(expire: (jobId: string) => void) {
    this.timers = new TimerPerKey(expire);
  }

  /** The limit in milliseconds, or a clear error for a duration that is not one. */
  static limitOf(job: { spec: Pick<JobAddParameter, "constraints"> }): number | undefined {
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
    this.timers.at(job.id, Date.parse(job.creationTime) + limit);
  }

  clear(jobId: string): void {
    this.timers.clear(jobId);
  }
}
