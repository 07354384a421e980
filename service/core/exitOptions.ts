/**
 * Which of a task's `exitConditions` apply to how its last run ended, with Azure's defaults filled in:
 * `none`/`satisfy` for a clean exit (code 0), `terminate`/`block` for anything else.
 */
import type { FailureReport } from "../../protocol/agent.js";
import type { ExitConditions, ExitOptions } from "../../protocol/rest/task.js";

export type ResolvedExitOptions = Required<ExitOptions>;

/** How a run ended, as the task's execution info records it. */
export interface RunOutcome {
  exitCode?: number;
  /** Absent for a success. */
  failure?: Pick<FailureReport, "stage">;
}

const cleanExit: ResolvedExitOptions = { jobAction: "none", dependencyAction: "satisfy" };
const failedExit: ResolvedExitOptions = { jobAction: "terminate", dependencyAction: "block" };

export function exitOptionsFor(
  conditions: ExitConditions | undefined,
  outcome: RunOutcome,
): ResolvedExitOptions {
  const { exitCode, failure } = outcome;
  // A listed exit code wins, even over a file upload error (as Azure documents).
  if (exitCode !== undefined && failure?.stage !== "preProcessing") {
    const listed =
      conditions?.exitCodes?.find((m) => m.code === exitCode)?.exitOptions ??
      conditions?.exitCodeRanges?.find((r) => r.start <= exitCode && exitCode <= r.end)?.exitOptions;
    if (listed) return { ...(exitCode === 0 ? cleanExit : failedExit), ...listed };
  }
  if (!failure) return cleanExit;
  const specific =
    failure.stage === "preProcessing"
      ? conditions?.preProcessingError
      : failure.stage === "fileUpload"
        ? conditions?.fileUploadError
        : undefined;
  return { ...failedExit, ...(specific ?? conditions?.default) };
}

/** Every jobAction a task's exit conditions name (refused unless the job acts on task failures). */
export function namedJobActions(conditions: ExitConditions | undefined): string[] {
  if (!conditions) return [];
  const options = [
    ...(conditions.exitCodes ?? []).map((m) => m.exitOptions),
    ...(conditions.exitCodeRanges ?? []).map((m) => m.exitOptions),
    conditions.preProcessingError,
    conditions.fileUploadError,
    conditions.default,
  ];
  return options.flatMap((o) => (o?.jobAction ? [o.jobAction] : []));
}
