import { describe, expect, it } from "vitest";
import type { ExitConditions } from "../../../protocol/rest/task.js";
import { exitOptionsFor, namedJobActions } from "../../../service/core/exitOptions.js";

const failed = { stage: undefined };

describe("exitOptionsFor", () => {
  it("defaults: none/satisfy for a clean exit, terminate/block for a failure", () => {
    expect(exitOptionsFor(undefined, { exitCode: 0 })).toEqual({
      jobAction: "none",
      dependencyAction: "satisfy",
    });
    expect(exitOptionsFor(undefined, { exitCode: 3, failure: failed })).toEqual({
      jobAction: "terminate",
      dependencyAction: "block",
    });
  });

  const conditions: ExitConditions = {
    exitCodes: [
      { code: 0, exitOptions: { jobAction: "terminate" } },
      { code: 5, exitOptions: { dependencyAction: "satisfy" } },
    ],
    exitCodeRanges: [{ start: 10, end: 20, exitOptions: { jobAction: "disable" } }],
    preProcessingError: { dependencyAction: "satisfy", jobAction: "none" },
    fileUploadError: { jobAction: "disable" },
    default: { jobAction: "none" },
  };

  it("takes listed codes first, then ranges, then the default; missing fields keep the defaults", () => {
    expect(exitOptionsFor(conditions, { exitCode: 0 })).toEqual({
      jobAction: "terminate",
      dependencyAction: "satisfy",
    });
    expect(exitOptionsFor(conditions, { exitCode: 5, failure: failed })).toEqual({
      jobAction: "terminate",
      dependencyAction: "satisfy",
    });
    expect(exitOptionsFor(conditions, { exitCode: 20, failure: failed })).toEqual({
      jobAction: "disable",
      dependencyAction: "block",
    });
    expect(exitOptionsFor(conditions, { exitCode: 21, failure: failed })).toEqual({
      jobAction: "none",
      dependencyAction: "block",
    });
  });

  it("uses preProcessingError and fileUploadError, but a listed exit code wins over an upload error", () => {
    expect(exitOptionsFor(conditions, { failure: { stage: "preProcessing" } })).toEqual({
      jobAction: "none",
      dependencyAction: "satisfy",
    });
    expect(exitOptionsFor(conditions, { exitCode: 1, failure: { stage: "fileUpload" } })).toEqual({
      jobAction: "disable",
      dependencyAction: "block",
    });
    expect(exitOptionsFor(conditions, { exitCode: 15, failure: { stage: "fileUpload" } }).jobAction).toBe(
      "disable",
    );
    expect(
      exitOptionsFor({ default: { dependencyAction: "satisfy" } }, { failure: { stage: "fileUpload" } }),
    ).toEqual({
      jobAction: "terminate",
      dependencyAction: "satisfy",
    });
  });

  it("lists every jobAction named", () => {
    expect(namedJobActions(conditions)).toEqual(["terminate", "disable", "none", "disable", "none"]);
    expect(namedJobActions({ exitCodes: [{ code: 1, exitOptions: { dependencyAction: "block" } }] })).toEqual(
      [],
    );
  });
});
