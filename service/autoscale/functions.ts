/**
 * The built-in functions of the autoscale formula language. Most take a doubleVecList: any mix of
 * doubles and doubleVecs, flattened into one vector (`avg(v, 7)` is `avg(1, 2, 3, 7)` for v = [1,2,3]).
 * `stop()` is not here: it ends evaluation, so the evaluator handles it.
 */
import { evaluationError, type SourcePosition } from "./errors.js";
import { double, type FormulaValue, plain, requireDouble, timestamp } from "./values.js";

type Arguments = { value: FormulaValue; position: SourcePosition }[];

export interface FunctionEnvironment {
  now: number;
  random: () => number;
}

type Aggregate = (values: number[]) => number;

const sum: Aggregate = (values) => values.reduce((total, value) => total + value, 0);
const average: Aggregate = (values) => sum(values) / values.length;

/** Aggregates over a doubleVecList, and whether they need at least one value. */
const aggregates: Record<string, { apply: Aggregate; needsValues: boolean }> = {
  avg: { apply: average, needsValues: true },
  len: { apply: (values) => values.length, needsValues: false },
  max: { apply: (values) => Math.max(...values), needsValues: true },
  min: { apply: (values) => Math.min(...values), needsValues: true },
  norm: { apply: (values) => Math.sqrt(sum(values.map((value) => value * value))), needsValues: false },
  range: { apply: (values) => Math.max(...values) - Math.min(...values), needsValues: true },
  // Sample standard deviation (n - 1); a single sample has no spread, so 0.
  std: {
    apply: (values) => {
      if (values.length < 2) return 0;
      const mean = average(values);
      return Math.sqrt(sum(values.map((value) => (value - mean) ** 2)) / (values.length - 1));
    },
    needsValues: true,
  },
  sum: { apply: sum, needsValues: false },
};

const logarithms: Record<string, (value: number) => number> = {
  lg: Math.log2,
  ln: Math.log,
  log: Math.log10,
};

export const functionNames = [
  ...Object.keys(aggregates),
  ...Object.keys(logarithms),
  "percentile",
  "rand",
  "stop",
  "time",
  "val",
];

export function callFunction(
  name: string,
  args: Arguments,
  environment: FunctionEnvironment,
  position: SourcePosition,
): FormulaValue {
  const aggregate = aggregates[name];
  if (aggregate) {
    const values = flatten(name, args);
    if (aggregate.needsValues && values.length === 0) {
      throw evaluationError(
        `${name}() of an empty list; check len(...) > 0 or GetSamplePercent(...) first`,
        position,
      );
    }
    return double(aggregate.apply(values));
  }
  const logarithm = logarithms[name];
  if (logarithm) return callLogarithm(name, logarithm, args, position);
  switch (name) {
    case "percentile":
      return percentile(args, position);
    case "rand":
      arity(name, args, [0], position);
      return double(environment.random());
    case "time":
      return time(args, environment.now, position);
    case "val":
      return val(args, position);
    default:
      throw evaluationError(
        `Unknown function ${name}; the functions are ${functionNames.join(", ")}`,
        position,
      );
  }
}

function flatten(name: string, args: Arguments): number[] {
  return args.flatMap(({ value, position }) => {
    const resolved = plain(value, position);
    if (resolved.type === "double") return [resolved.value];
    if (resolved.type === "doubleVec") return resolved.values;
    throw evaluationError(`${name}() takes doubles and doubleVecs, not a ${resolved.type}`, position);
  });
}

/** lg/ln/log of one double is a double; of a doubleVec or a longer list, a doubleVec. */
function callLogarithm(
  name: string,
  logarithm: (value: number) => number,
  args: Arguments,
  position: SourcePosition,
): FormulaValue {
  if (args.length === 0) throw evaluationError(`${name}() needs a double or a doubleVec`, position);
  const values = flatten(name, args);
  const bad = values.find((value) => !(value > 0));
  if (bad !== undefined) {
    throw evaluationError(
      `${name}() of ${bad}: the logarithm needs positive values; guard it with ?:`,
      position,
    );
  }
  const single = args.length === 1 && plain(args[0].value, args[0].position).type === "double";
  return single ? double(logarithm(values[0])) : { type: "doubleVec", values: values.map(logarithm) };
}

/** The nearest-rank percentile: an element of the vector, p from 0 to 100. */
function percentile(args: Arguments, position: SourcePosition): FormulaValue {
  arity("percentile", args, [2], position);
  const values = flatten("percentile", [args[0]]).sort((a, b) => a - b);
  const p = requireDouble(args[1].value, "percentile's p", args[1].position);
  if (p < 0 || p > 100)
    throw evaluationError(`percentile's p must be between 0 and 100, not ${p}`, args[1].position);
  if (values.length === 0)
    throw evaluationError("percentile() of an empty vector; check len(...) > 0 first", position);
  const rank = Math.max(1, Math.ceil((p / 100) * values.length));
  return double(values[rank - 1]);
}

/** `val(v, i)`: the element at zero-based index i. */
function val(args: Arguments, position: SourcePosition): FormulaValue {
  arity("val", args, [2], position);
  const vector = plain(args[0].value, args[0].position);
  const values = vector.type === "doubleVec" ? vector.values : flatten("val", [args[0]]);
  const index = requireDouble(args[1].value, "val's index", args[1].position);
  if (!Number.isInteger(index) || index < 0 || index >= values.length) {
    throw evaluationError(
      `val() index ${index} is outside the vector of length ${values.length}; use a whole number from 0 to len - 1`,
      args[1].position,
    );
  }
  return double(values[index]);
}

const w3cDateTime = /^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?)?)?$/;
const rfc1123 = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} (GMT|UTC|[+-]\d{4})$/;

/** `time()` is now; `time("...")` parses a W3C-DTF or RFC 1123 date-time. */
function time(args: Arguments, now: number, position: SourcePosition): FormulaValue {
  arity("time", args, [0, 1], position);
  if (args.length === 0) return timestamp(now);
  const text = plain(args[0].value, args[0].position);
  if (text.type !== "string")
    throw evaluationError(`time() takes a string, not a ${text.type}`, args[0].position);
  if (text.value === "") return timestamp(now);
  const parsed =
    w3cDateTime.test(text.value) || rfc1123.test(text.value) ? Date.parse(text.value) : Number.NaN;
  if (Number.isNaN(parsed)) {
    throw evaluationError(
      `time("${text.value}") is not a W3C-DTF (2024-05-01T08:00:00Z) or RFC 1123 (Wed, 01 May 2024 08:00:00 GMT) date-time`,
      args[0].position,
    );
  }
  return timestamp(parsed);
}

function arity(name: string, args: Arguments, allowed: number[], position: SourcePosition): void {
  if (!allowed.includes(args.length)) {
    throw evaluationError(`${name}() takes ${allowed.join(" or ")} arguments, not ${args.length}`, position);
  }
}
