/**
 * The formula language's values and Azure's operator table between them. Comparisons and logical
 * operators yield doubles (1 or 0), as in Azure. A `metric` is a read-only service-defined variable
 * (`$CPUPercent`, `$PendingTasks`, ...): an object with sample methods that stands for its current value
 * where a double is wanted, when the service supplied one.
 */
import { evaluationError, type SourcePosition } from "./errors.js";
import type { MetricHistory } from "./samples.js";

export type FormulaValue =
  | { type: "double"; value: number }
  | { type: "doubleVec"; values: number[] }
  | { type: "string"; value: string }
  | { type: "timestamp"; milliseconds: number }
  | { type: "timeinterval"; milliseconds: number }
  | { type: "metric"; name: string; history: MetricHistory };

export type ValueType = FormulaValue["type"];

export type PlainValue = Exclude<FormulaValue, { type: "metric" }>;

export const double = (value: number): PlainValue => ({ type: "double", value });
export const truth = (condition: boolean): PlainValue => double(condition ? 1 : 0);
export const interval = (milliseconds: number): PlainValue => ({ type: "timeinterval", milliseconds });
export const timestamp = (milliseconds: number): PlainValue => ({ type: "timestamp", milliseconds });

const millisecond = 1;
const second = 1000 * millisecond;
const minute = 60 * second;
const hour = 60 * minute;
const day = 24 * hour;

/** The `TimeInterval_*` constants; a year is 365 days, as .NET's TimeSpan-based service counts it. */
export const timeIntervalConstants: Record<string, number> = {
  TimeInterval_Zero: 0,
  TimeInterval_100ns: 0.0001,
  TimeInterval_Microsecond: 0.001,
  TimeInterval_Millisecond: millisecond,
  TimeInterval_Second: second,
  TimeInterval_Minute: minute,
  TimeInterval_Hour: hour,
  TimeInterval_Day: day,
  TimeInterval_Week: 7 * day,
  TimeInterval_Year: 365 * day,
};

/** Folds a metric into its current value where a plain value is needed; other values pass through. */
export function plain(value: FormulaValue, position: SourcePosition): PlainValue {
  if (value.type !== "metric") return value;
  if (value.history.current === undefined) {
    throw evaluationError(
      `${value.name} has no current value; read its samples with ${value.name}.GetSample(...)`,
      position,
    );
  }
  return double(value.history.current);
}

export function requireDouble(value: FormulaValue, what: string, position: SourcePosition): number {
  const resolved = plain(value, position);
  if (resolved.type !== "double")
    throw evaluationError(`${what} must be a double, not a ${resolved.type}`, position);
  return resolved.value;
}

type Arithmetic = (a: number, b: number) => number;
const arithmetic: Record<string, Arithmetic> = {
  "+": (a, b) => a + b,
  "-": (a, b) => a - b,
  "*": (a, b) => a * b,
  "/": (a, b) => a / b,
};
const comparisons: Record<string, (order: number) => boolean> = {
  "<": (order) => order < 0,
  "<=": (order) => order <= 0,
  ">": (order) => order > 0,
  ">=": (order) => order >= 0,
  "==": (order) => order === 0,
  "!=": (order) => order !== 0,
};

/** Applies a binary operator (not `&&`/`||`, which the evaluator short-circuits) per Azure's table. */
export function applyBinary(
  operator: string,
  leftValue: FormulaValue,
  rightValue: FormulaValue,
  position: SourcePosition,
): FormulaValue {
  const left = plain(leftValue, position);
  const right = plain(rightValue, position);
  const pair = `${left.type} ${right.type}`;
  const compare = comparisons[operator];
  if (compare) {
    if (left.type !== right.type || left.type === "doubleVec") throw typeError(operator, pair, position);
    const a = "milliseconds" in left ? left.milliseconds : left.value;
    const b = "milliseconds" in right ? right.milliseconds : (right as { value: number | string }).value;
    return truth(compare(a < b ? -1 : a > b ? 1 : 0));
  }
  const apply = arithmetic[operator];
  if (operator === "/" && isZero(right))
    throw evaluationError("Division by zero; guard the divisor with ?:", position);
  switch (`${pair} ${operator}`) {
    case "double double +":
    case "double double -":
    case "double double *":
    case "double double /":
      return double(apply((left as { value: number }).value, (right as { value: number }).value));
    case "doubleVec double +":
    case "doubleVec double -":
    case "doubleVec double *":
    case "doubleVec double /":
      return vector(left, (value) => apply(value, (right as { value: number }).value));
    case "doubleVec doubleVec +":
    case "doubleVec doubleVec -":
    case "doubleVec doubleVec *":
    case "doubleVec doubleVec /":
      return elementwise(left, right, apply, operator, position);
    case "double timeinterval *":
      return interval((left as { value: number }).value * (right as { milliseconds: number }).milliseconds);
    case "timeinterval double *":
    case "timeinterval double /":
      return interval(
        apply((left as { milliseconds: number }).milliseconds, (right as { value: number }).value),
      );
    case "timeinterval timeinterval +":
    case "timeinterval timeinterval -":
      return interval(apply(milliseconds(left), milliseconds(right)));
    case "timeinterval timestamp +":
    case "timestamp timeinterval +":
      return timestamp(milliseconds(left) + milliseconds(right));
    case "timestamp timestamp -":
      return interval(milliseconds(left) - milliseconds(right));
    default:
      throw typeError(operator, pair, position);
  }
}

export function applyUnary(
  operator: "-" | "!",
  operandValue: FormulaValue,
  position: SourcePosition,
): FormulaValue {
  const operand = plain(operandValue, position);
  if (operand.type === "double")
    return operator === "-" ? double(-operand.value) : truth(operand.value === 0);
  if (operand.type === "timeinterval" && operator === "-") return interval(-operand.milliseconds);
  throw evaluationError(
    `Operator ${operator} does not apply to a ${operand.type}; it takes a double${operator === "-" ? " or a timeinterval" : ""}`,
    position,
  );
}

function isZero(value: FormulaValue): boolean {
  return value.type === "double" ? value.value === 0 : value.type === "doubleVec" && value.values.includes(0);
}

function milliseconds(value: FormulaValue): number {
  return (value as { milliseconds: number }).milliseconds;
}

function vector(value: FormulaValue, map: (value: number) => number): FormulaValue {
  return { type: "doubleVec", values: (value as { values: number[] }).values.map(map) };
}

function elementwise(
  left: FormulaValue,
  right: FormulaValue,
  apply: Arithmetic,
  operator: string,
  position: SourcePosition,
): FormulaValue {
  const a = (left as { values: number[] }).values;
  const b = (right as { values: number[] }).values;
  if (a.length !== b.length) {
    throw evaluationError(
      `Operator ${operator} on vectors of different lengths (${a.length} and ${b.length}); take samples over the same period`,
      position,
    );
  }
  return { type: "doubleVec", values: a.map((value, index) => apply(value, b[index])) };
}

function typeError(operator: string, pair: string, position: SourcePosition) {
  const [left, right] = pair.split(" ");
  const hint =
    pair === "timestamp timeinterval" && operator === "-"
      ? "to go back in time add a negative interval: time() + -1 * TimeInterval_Hour"
      : "see the operations table of the autoscale formula language";
  return evaluationError(
    `Operator ${operator} does not apply to a ${left} and a ${right}; ${hint}`,
    position,
  );
}

/** Formats a value as Azure's `results` string shows it. */
export function formatValue(value: FormulaValue): string {
  switch (value.type) {
    case "double":
      return formatNumber(value.value);
    case "doubleVec":
      return `[${value.values.map(formatNumber).join(",")}]`;
    case "string":
      return value.value;
    case "timestamp":
      return new Date(value.milliseconds).toISOString();
    case "timeinterval":
      return formatTimeSpan(value.milliseconds);
    case "metric":
      return value.history.current === undefined ? value.name : formatNumber(value.history.current);
  }
}

/** The shortest text that reads back as the same double ("3.3000000000000003", "10"). */
function formatNumber(value: number): string {
  return String(value);
}

/** .NET TimeSpan's constant format ("[-][d.]hh:mm:ss[.fffffff]"), which the Batch service prints. */
export function formatTimeSpan(totalMilliseconds: number): string {
  const ticks = Math.round(Math.abs(totalMilliseconds) * 10_000);
  const days = Math.floor(ticks / (day * 10_000));
  const rest = ticks - days * day * 10_000;
  const two = (value: number) => String(value).padStart(2, "0");
  const hours = Math.floor(rest / (hour * 10_000));
  const minutes = Math.floor((rest % (hour * 10_000)) / (minute * 10_000));
  const seconds = Math.floor((rest % (minute * 10_000)) / (second * 10_000));
  const fraction = rest % (second * 10_000);
  return (
    (totalMilliseconds < 0 ? "-" : "") +
    (days > 0 ? `${days}.` : "") +
    `${two(hours)}:${two(minutes)}:${two(seconds)}` +
    (fraction > 0 ? `.${String(fraction).padStart(7, "0")}` : "")
  );
}
