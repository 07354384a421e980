/** Fixed clocks and sample histories for the autoscale formula tests. */
import { type AutoscaleContext, evaluateFormula } from "../../../service/autoscale/evaluator.js";
import type { Sample } from "../../../service/autoscale/samples.js";
import { formatValue } from "../../../service/autoscale/values.js";

/** Tuesday 24 November 2026, 14:00 UTC. */
export const tuesdayAfternoon = Date.parse("2026-11-24T14:00:00Z");

export function contextAt(now: number, overrides: Partial<AutoscaleContext> = {}): AutoscaleContext {
  return { now, targetDedicatedNodes: 0, targetLowPriorityNodes: 0, metrics: {}, ...overrides };
}

/** Samples every `periodMs`, the last one `lastAgoMs` before `now`; `values` oldest first. */
export function history(now: number, values: number[], periodMs = 30_000, lastAgoMs = 0): Sample[] {
  return values.map((value, index) => ({
    timestamp: now - lastAgoMs - (values.length - 1 - index) * periodMs,
    value,
  }));
}

/** Evaluates `x = <expression>` and returns x as the results string shows it, or throws the error. */
export function evaluated(
  expression: string,
  context: AutoscaleContext = contextAt(tuesdayAfternoon),
): string {
  const evaluation = evaluateFormula(`x = ${expression};`, context);
  if (evaluation.error) throw new Error(evaluation.error.values[0].value);
  return formatValue(evaluation.variables.get("x")!);
}

/** The error's "Message" value (with its "Line L, Col C:" prefix) and code, for a formula that fails. */
export function errorOf(formula: string, context: AutoscaleContext = contextAt(tuesdayAfternoon)) {
  const { error } = evaluateFormula(formula, context);
  if (!error) throw new Error(`expected ${JSON.stringify(formula)} to fail`);
  return { code: error.code, message: error.message, detail: error.values[0].value };
}
