/**
 * Evaluates an autoscale formula against a snapshot of a pool: the service-defined variables' current
 * values and sample histories and an injected clock. Pure: no I/O, no timers, randomness injectable.
 * Returns Azure's `results` string (`$TargetDedicatedNodes=..;$TargetLowPriorityNodes=..;
 * $NodeDeallocationOption=..;` then the user variables in ordinal order) and, on failure, an
 * AutoScaleRunError whose message gives the line and column.
 */
import { type NodeDeallocationOption, nodeDeallocationOptions } from "../../protocol/states.js";
import { type AutoScaleRunError, evaluationError, FormulaError, type SourcePosition } from "./errors.js";
import { callFunction, type FunctionEnvironment } from "./functions.js";
import { type Expression, parseFormula, type Statement } from "./parser.js";
import { callSampleMethod, type MetricHistory } from "./samples.js";
import {
  applyBinary,
  applyUnary,
  double,
  type FormulaValue,
  formatValue,
  plain,
  requireDouble,
  timeIntervalConstants,
  timestamp,
  truth,
} from "./values.js";

/** Read-only service-defined variables that are metrics with sample histories. */
export const metricNames = [
  "CPUPercent",
  "WallClockSeconds",
  "MemoryBytes",
  "DiskBytes",
  "DiskReadBytes",
  "DiskWriteBytes",
  "DiskReadOps",
  "DiskWriteOps",
  "NetworkInBytes",
  "NetworkOutBytes",
  "SampleNodeCount",
  "ActiveTasks",
  "RunningTasks",
  "PendingTasks",
  "SucceededTasks",
  "FailedTasks",
  "CurrentDedicatedNodes",
  "CurrentLowPriorityNodes",
  "PreemptedNodeCount",
  "UsableNodeCount",
  "TaskSlotsPerNode",
] as const;

export type MetricName = (typeof metricNames)[number];

export interface AutoscaleContext {
  /** The evaluation instant, milliseconds since the epoch (the injected clock). */
  now: number;
  /** How often samples are taken; Azure's is 30 s. */
  samplePeriodMs?: number;
  /** The pool's targets before this evaluation: what `$TargetDedicatedNodes` reads until assigned. */
  targetDedicatedNodes: number;
  targetLowPriorityNodes: number;
  nodeDeallocationOption?: NodeDeallocationOption;
  /** Current values and sample histories of the metrics; a missing metric has no samples. */
  metrics: Partial<Record<MetricName, MetricHistory>>;
  /** For `rand()`; defaults to Math.random. */
  random?: () => number;
}

/** What the pool should become; targets rounded to whole, non-negative node counts. */
export interface AutoscaleTargets {
  targetDedicatedNodes: number;
  targetLowPriorityNodes: number;
  nodeDeallocationOption: NodeDeallocationOption;
}

export interface AutoscaleEvaluation {
  results: string;
  /** Every variable the formula assigned (service-defined with `$`, user variables as written). */
  variables: Map<string, FormulaValue>;
  targets: AutoscaleTargets;
  /** True when the formula called `stop()`. */
  stopped: boolean;
  error?: AutoScaleRunError;
}

const outputs = ["$TargetDedicatedNodes", "$TargetLowPriorityNodes", "$NodeDeallocationOption"];
/** Older names; the full name wins when a formula sets both. */
const aliases: Record<string, string> = {
  $TargetDedicated: "$TargetDedicatedNodes",
  $TargetLowPriority: "$TargetLowPriorityNodes",
};

class StopSignal {}

export function evaluateFormula(formula: string, context: AutoscaleContext): AutoscaleEvaluation {
  const run = new Evaluation(context);
  let error: AutoScaleRunError | undefined;
  let stopped = false;
  try {
    for (const statement of parseFormula(formula)) run.execute(statement);
  } catch (thrown) {
    if (thrown instanceof StopSignal) stopped = true;
    else if (thrown instanceof FormulaError) error = thrown.toRunError();
    else throw thrown;
  }
  return { ...run.outcome(), stopped, ...(error ? { error } : {}) };
}

class Evaluation {
  private readonly variables = new Map<string, FormulaValue>();
  private readonly environment: FunctionEnvironment;

  constructor(private readonly context: AutoscaleContext) {
    this.environment = { now: context.now, random: context.random ?? Math.random };
  }

  execute(statement: Statement): void {
    const value = this.evaluate(statement.value);
    if (statement.kind === "assign") this.assign(statement.name, value, statement.position);
  }

  outcome(): Omit<AutoscaleEvaluation, "stopped" | "error"> {
    const dedicated = this.readOutput("$TargetDedicatedNodes");
    const lowPriority = this.readOutput("$TargetLowPriorityNodes");
    const option = this.readOutput("$NodeDeallocationOption");
    const users = [...this.variables.keys()]
      .filter((name) => !outputs.includes(name) && !(name in aliases))
      .sort();
    const results = [
      `$TargetDedicatedNodes=${formatValue(dedicated)}`,
      `$TargetLowPriorityNodes=${formatValue(lowPriority)}`,
      `$NodeDeallocationOption=${formatValue(option)}`,
      ...users.map((name) => `${name}=${formatValue(this.variables.get(name)!)}`),
    ].join(";");
    const nodes = (value: FormulaValue) => Math.max(0, Math.round((value as { value: number }).value)) || 0;
    return {
      results,
      variables: new Map(this.variables),
      targets: {
        targetDedicatedNodes: nodes(dedicated),
        targetLowPriorityNodes: nodes(lowPriority),
        nodeDeallocationOption: (option as { value: NodeDeallocationOption }).value,
      },
    };
  }

  private assign(name: string, value: FormulaValue, position: SourcePosition): void {
    const canonical = aliases[name] ?? name;
    if (canonical.startsWith("$") && (metricNames as readonly string[]).includes(canonical.slice(1))) {
      throw evaluationError(
        `${name} is read-only; assign your own variable or a $Target... variable instead`,
        position,
      );
    }
    if (canonical === "$CurrentTime" || canonical in timeIntervalConstants) {
      throw evaluationError(
        `${name} is a built-in constant and cannot be assigned; choose another name`,
        position,
      );
    }
    const stored = plain(value, position);
    if (canonical === "$TargetDedicatedNodes" || canonical === "$TargetLowPriorityNodes") {
      requireDouble(stored, name, position);
    }
    if (canonical === "$NodeDeallocationOption") {
      const option = stored.type === "string" ? stored.value : undefined;
      if (!option || !(nodeDeallocationOptions as readonly string[]).includes(option)) {
        throw evaluationError(
          `$NodeDeallocationOption must be one of ${nodeDeallocationOptions.join(", ")}, not ${formatValue(stored)}`,
          position,
        );
      }
    }
    this.variables.set(name, stored);
  }

  /** An output's value: assigned under its full name, else under its alias, else the pool's current one. */
  private readOutput(name: string): FormulaValue {
    const alias = Object.keys(aliases).find((candidate) => aliases[candidate] === name);
    const assigned = this.variables.get(name) ?? (alias ? this.variables.get(alias) : undefined);
    if (assigned) return assigned;
    if (name === "$TargetDedicatedNodes") return double(this.context.targetDedicatedNodes);
    if (name === "$TargetLowPriorityNodes") return double(this.context.targetLowPriorityNodes);
    return { type: "string", value: this.context.nodeDeallocationOption ?? "requeue" };
  }

  private lookup(written: string, position: SourcePosition): FormulaValue {
    const name = aliases[written] ?? written;
    if (outputs.includes(name)) return this.readOutput(name);
    const assigned = this.variables.get(name);
    if (assigned) return assigned;
    const metricName = name.slice(1) as MetricName;
    if (name.startsWith("$") && metricNames.includes(metricName)) {
      return { type: "metric", name, history: this.context.metrics[metricName] ?? { samples: [] } };
    }
    if (name === "$CurrentTime") return timestamp(this.context.now);
    if (name in timeIntervalConstants)
      return { type: "timeinterval", milliseconds: timeIntervalConstants[name] };
    if ((nodeDeallocationOptions as readonly string[]).includes(name)) return { type: "string", value: name };
    throw evaluationError(
      `Variable ${written} is used before it is assigned; assign it in an earlier statement`,
      position,
    );
  }

  private evaluate(expression: Expression): FormulaValue {
    switch (expression.kind) {
      case "number":
        return double(expression.value);
      case "string":
        return { type: "string", value: expression.value };
      case "name":
        return this.lookup(expression.name, expression.position);
      case "unary":
        return applyUnary(expression.operator, this.evaluate(expression.operand), expression.position);
      case "binary":
        return this.binary(expression);
      case "conditional": {
        const test = requireDouble(
          this.evaluate(expression.test),
          "The condition of ?:",
          expression.position,
        );
        return this.evaluate(test !== 0 ? expression.then : expression.otherwise);
      }
      case "call":
        return this.call(expression.name, expression.args, expression.position);
      case "method": {
        const target = this.evaluate(expression.target);
        if (target.type !== "metric") {
          throw evaluationError(
            `${expression.name}() is a method of service-defined metrics such as $CPUPercent, not of a ${target.type}`,
            expression.position,
          );
        }
        const clock = { now: this.context.now, samplePeriodMs: this.context.samplePeriodMs ?? 30_000 };
        return callSampleMethod(
          target,
          expression.name,
          this.arguments(expression.args),
          clock,
          expression.position,
        );
      }
      case "member":
        return member(
          plain(this.evaluate(expression.target), expression.position),
          expression.name,
          expression.position,
        );
    }
  }

  /** `&&` and `||` short-circuit, so `$samples > 0 && avg(...)` never evaluates a guarded sample call. */
  private binary(expression: Extract<Expression, { kind: "binary" }>): FormulaValue {
    const left = this.evaluate(expression.left);
    if (expression.operator !== "&&" && expression.operator !== "||") {
      return applyBinary(expression.operator, left, this.evaluate(expression.right), expression.position);
    }
    const what = `Operand of ${expression.operator}`;
    const leftTrue = requireDouble(left, what, expression.position) !== 0;
    if (expression.operator === "&&" ? !leftTrue : leftTrue) return truth(leftTrue);
    return truth(requireDouble(this.evaluate(expression.right), what, expression.position) !== 0);
  }

  private call(name: string, args: Expression[], position: SourcePosition): FormulaValue {
    if (name === "stop") {
      if (args.length > 0) throw evaluationError("stop() takes no arguments", position);
      throw new StopSignal();
    }
    return callFunction(name, this.arguments(args), this.environment, position);
  }

  private arguments(args: Expression[]) {
    return args.map((arg) => ({ value: this.evaluate(arg), position: arg.position }));
  }
}

const timestampMembers: Record<string, (date: Date) => number> = {
  year: (date) => date.getUTCFullYear(),
  month: (date) => date.getUTCMonth() + 1,
  day: (date) => date.getUTCDate(),
  // .NET's DayOfWeek: Sunday 0, Monday 1 ... Saturday 6.
  weekday: (date) => date.getUTCDay(),
  hour: (date) => date.getUTCHours(),
  minute: (date) => date.getUTCMinutes(),
  second: (date) => date.getUTCSeconds(),
};

function member(target: FormulaValue, name: string, position: SourcePosition): FormulaValue {
  const read = timestampMembers[name];
  if (target.type !== "timestamp") {
    throw evaluationError(`.${name} reads a member of a timestamp, not of a ${target.type}`, position);
  }
  if (!read) {
    throw evaluationError(
      `A timestamp has no member ${name}; its members are ${Object.keys(timestampMembers).join(", ")}`,
      position,
    );
  }
  return double(read(new Date(target.milliseconds)));
}
