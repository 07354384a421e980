/**
 * The sample methods of service-defined metrics: `GetSample`, `GetSamplePercent`, `GetSamplePeriod`,
 * `Count` and `HistoryBeginTime`. A metric's history is its timestamped samples, one expected every
 * sample period (30 s on Azure; shorter on local accounts). A time window is given by look-backs from
 * now (timeintervals) or by absolute timestamps; its sample percent is the samples present over the
 * samples a full history would hold. Vectors are returned oldest sample first.
 */
import { evaluationError, FormulaError, type SourcePosition } from "./errors.js";
import { double, type FormulaValue, interval, plain, timestamp } from "./values.js";

export interface Sample {
  /** Milliseconds since the epoch when the sample was taken. */
  timestamp: number;
  value: number;
}

export interface MetricHistory {
  /** The value now, for metrics that are also used as plain numbers (`$CurrentDedicatedNodes * 1.1`). */
  current?: number;
  samples: Sample[];
}

export interface SampleClock {
  now: number;
  samplePeriodMs: number;
}

type Arguments = { value: FormulaValue; position: SourcePosition }[];

export const sampleMethods = [
  "GetSample",
  "GetSamplePercent",
  "GetSamplePeriod",
  "Count",
  "HistoryBeginTime",
];

export function callSampleMethod(
  metric: { name: string; history: MetricHistory },
  method: string,
  args: Arguments,
  clock: SampleClock,
  position: SourcePosition,
): FormulaValue {
  const samples = [...metric.history.samples].sort((a, b) => a.timestamp - b.timestamp);
  const arity = (allowed: number[]) => {
    if (!allowed.includes(args.length)) {
      throw evaluationError(
        `${metric.name}.${method} takes ${allowed.join(" or ")} arguments, not ${args.length}`,
        position,
      );
    }
  };
  switch (method) {
    case "GetSample":
      arity([1, 2, 3]);
      return getSample(metric.name, samples, args, clock, position);
    case "GetSamplePercent": {
      arity([1, 2]);
      const window = sampleWindow(args, clock, metric.name, method);
      return double(percentIn(samples, window, clock.samplePeriodMs));
    }
    case "GetSamplePeriod":
      arity([0]);
      return interval(clock.samplePeriodMs);
    case "Count":
      arity([0]);
      return double(samples.length);
    case "HistoryBeginTime":
      arity([0]);
      if (samples.length === 0) {
        throw new FormulaError(
          "InsufficientSampleData",
          `${metric.name} has no samples yet, so it has no history begin time; check ${metric.name}.Count() > 0 first`,
          position,
        );
      }
      return timestamp(samples[0].timestamp);
    default:
      throw evaluationError(
        `${metric.name} has no method ${method}; its methods are ${sampleMethods.join(", ")}`,
        position,
      );
  }
}

function getSample(
  name: string,
  samples: Sample[],
  args: Arguments,
  clock: SampleClock,
  position: SourcePosition,
): FormulaValue {
  const first = plain(args[0].value, args[0].position);
  if (first.type === "double") {
    if (args.length !== 1) throw evaluationError(`${name}.GetSample(count) takes only the count`, position);
    const count = first.value;
    if (!Number.isInteger(count) || count < 1) {
      throw evaluationError(
        `${name}.GetSample(count) needs a whole number of samples of at least 1, not ${count}`,
        position,
      );
    }
    if (samples.length < count) {
      throw new FormulaError(
        "InsufficientSampleData",
        `Insufficient data from data set: ${name} wanted ${count} samples, received ${samples.length}; check ${name}.Count() first`,
        position,
      );
    }
    return { type: "doubleVec", values: samples.slice(samples.length - count).map((sample) => sample.value) };
  }
  const last = plain(args[args.length - 1].value, args[args.length - 1].position);
  const hasPercent = args.length > 1 && last.type === "double";
  const window = sampleWindow(hasPercent ? args.slice(0, -1) : args, clock, name, "GetSample");
  const inWindow = samples.filter(
    (sample) => sample.timestamp > window.from && sample.timestamp <= window.to,
  );
  if (hasPercent) {
    const wanted = last.value;
    if (wanted < 0 || wanted > 100) {
      throw evaluationError(
        `${name}.GetSample sample percent must be between 0 and 100, not ${wanted}`,
        position,
      );
    }
    const received = percentIn(samples, window, clock.samplePeriodMs);
    if (received < wanted) {
      throw new FormulaError(
        "InsufficientSampleData",
        `Insufficient data from data set: ${name} wanted ${wanted}%, received ${Math.floor(received)}%; ` +
          `guard the call with ${name}.GetSamplePercent(...) or ask for a lower percent`,
        position,
      );
    }
  }
  return { type: "doubleVec", values: inWindow.map((sample) => sample.value) };
}

interface Window {
  from: number;
  to: number;
}

/** One or two bounds (look-back timeintervals or timestamps), in either order; one bound ends now. */
function sampleWindow(args: Arguments, clock: SampleClock, name: string, method: string): Window {
  if (args.length < 1 || args.length > 2) {
    throw evaluationError(
      `${name}.${method} takes one or two time bounds`,
      args[0]?.position ?? { line: 1, column: 1 },
    );
  }
  const instants = args.map(({ value, position }) => {
    const bound = plain(value, position);
    if (bound.type === "timeinterval") return clock.now - bound.milliseconds;
    if (bound.type === "timestamp") return bound.milliseconds;
    throw evaluationError(
      `${name}.${method} time bound must be a timeinterval (look-back, e.g. TimeInterval_Minute * 5) or a timestamp, not a ${bound.type}`,
      position,
    );
  });
  if (instants.length === 1) instants.push(clock.now);
  return { from: Math.min(...instants), to: Math.max(...instants) };
}

function percentIn(samples: Sample[], window: Window, samplePeriodMs: number): number {
  const present = samples.filter(
    (sample) => sample.timestamp > window.from && sample.timestamp <= window.to,
  ).length;
  const expected = Math.max(1, Math.floor((window.to - window.from) / samplePeriodMs));
  return Math.min(100, (present / expected) * 100);
}
