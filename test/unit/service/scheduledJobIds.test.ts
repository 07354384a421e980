/** The ids of the jobs a schedule creates: `{scheduleId}_job-{n}`, always a valid id, distinct per schedule. */
import { describe, expect, it } from "vitest";
import { ID_REGEX } from "../../../protocol/apiVersion.js";
import { scheduledJobId } from "../../../service/core/jobSchedules.js";

describe("a scheduled job's id", () => {
  it("is the schedule id, _job- and the job's number (Azure's {scheduleId}:job-{n}, with _ for :)", () => {
    expect(scheduledJobId("nightly", 1)).toBe("nightly_job-1");
    expect(scheduledJobId("nightly", 1234)).toBe("nightly_job-1234");
  });

  it("stays a valid id for the longest schedule ids, and distinct for ids that share a long prefix", () => {
    const long = "a".repeat(64);
    const other = `${"a".repeat(63)}b`;
    for (const n of [1, 99_999_999]) {
      const id = scheduledJobId(long, n);
      expect(id).toMatch(ID_REGEX);
      expect(id.endsWith(`_job-${n}`)).toBe(true);
      expect(id).not.toBe(scheduledJobId(other, n));
    }
    const fits = "b".repeat(58);
    expect(scheduledJobId(fits, 1)).toBe(`${fits}_job-1`);
    expect(scheduledJobId(fits, 10)).toMatch(ID_REGEX);
  });
});
