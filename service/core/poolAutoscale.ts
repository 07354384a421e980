/**
 * Pools driven by an autoscale formula: enable, disable, evaluate, and the periodic evaluation that
 * applies the formula's targets through the pool's resize path. One timer per autoscale pool fires
 * every sample period (30 s, or the evaluation interval when shorter): it takes one sample of the
 * pool's task and node counts and, when an evaluation is due, evaluates the formula.
 *
 * Sampled: the task counts of the pool's jobs, the pool's node counts, and the resource metrics
 * (`$CPUPercent`, `$MemoryBytes`, `$DiskBytes`, disk and network I/O, `$WallClockSeconds`) from the
 * health its nodes' agents sent with their heartbeats during the sample period, with Azure's meanings
 * (service/core/nodeHealth.ts). While no node has reported, the resource metrics have no sample (a
 * formula reading them gets Azure's insufficient-sample-data error). The history lives in memory:
 * after a restart it starts again.
 */

import { parseDuration } from "../../protocol/duration.js";
import { BatchError, invalidPropertyValue } from "../../protocol/errors.js";
import type {
  AutoScaleRun,
  PoolAddParameter,
  PoolEnableAutoScaleParameter,
} from "../../protocol/rest/pool.js";
import { FormulaError } from "../autoscale/errors.js";
import { type AutoscaleContext, evaluateFormula, type MetricName } from "../autoscale/evaluator.js";
import { parseFormula } from "../autoscale/parser.js";
import type { Sample } from "../autoscale/samples.js";
import type { Account } from "./account.js";
import type { PoolRecord } from "./records.js";
import { TimerPerKey } from "./timerPerKey.js";

const DEFAULT_EVALUATION_INTERVAL = "PT15M";
/** Azure's minimum is 5 minutes; a local account may evaluate every few seconds. */
const MIN_EVALUATION_INTERVAL_MS = 2_000;
const MAX_EVALUATION_INTERVAL_MS = 168 * 3600_000;
const AZURE_SAMPLE_PERIOD_MS = 30_000;
/** Samples kept per metric: a few hours at Azure's period, enough for every documented formula. */
const MAX_SAMPLES = 500;

type SampledValues = Partial<Record<MetricName, number>>;

interface PoolHistory {
  samples: Map<MetricName, Sample[]>;
  nextEvaluation: number;
}

export class PoolAutoscale {
  private readonly timers = new TimerPerKey((poolId) => this.tick(poolId));
  private readonly histories = new Map<string, PoolHistory>();

  constructor(private readonly account: Account) {}

  /** The autoscale part of a new pool's record (checked as Azure checks it), or none. */
  settingsForAdd(spec: PoolAddParameter): PoolRecord["autoScale"] {
    if (!spec.enableAutoScale) {
      for (const name of ["autoScaleFormula", "autoScaleEvaluationInterval"] as const)
        if (spec[name] !== undefined)
          throw invalidPropertyValue(name, spec[name], "it must not be given unless enableAutoScale is true");
      return undefined;
    }
    for (const name of ["targetDedicatedNodes", "targetLowPriorityNodes"] as const)
      if (spec[name] !== undefined)
        throw invalidPropertyValue(
          name,
          spec[name],
          "it must not be given when enableAutoScale is true; the formula sets the targets",
        );
    if (spec.autoScaleFormula === undefined)
      throw new BatchError(
        "MissingRequiredProperty",
        "The property 'autoScaleFormula' is required when enableAutoScale is true; add it.",
        [{ key: "PropertyName", value: "autoScaleFormula" }],
      );
    return {
      formula: checkedFormula(spec.autoScaleFormula),
      evaluationInterval: checkedInterval(spec.autoScaleEvaluationInterval ?? DEFAULT_EVALUATION_INTERVAL),
    };
  }

  /** Enables autoscale or changes its formula or interval; evaluates at once. */
  enable(poolId: string, params: PoolEnableAutoScaleParameter): void {
    const pool = this.account.pools.activePool(poolId);
    const formula = params.autoScaleFormula ?? pool.autoScale?.formula;
    if (formula === undefined)
      throw new BatchError(
        "MissingRequiredProperty",
        `Pool ${poolId} has no autoscale formula yet; give autoScaleFormula.`,
        [{ key: "PropertyName", value: "autoScaleFormula" }],
      );
    if (!pool.autoScale && pool.allocationState !== "steady")
      throw new BatchError(
        "PoolIsResizing",
        `Pool ${poolId} is ${pool.allocationState}; enable autoscale once its allocationState is steady.`,
      );
    const settings = {
      formula: checkedFormula(formula),
      evaluationInterval: checkedInterval(
        params.autoScaleEvaluationInterval ??
          pool.autoScale?.evaluationInterval ??
          DEFAULT_EVALUATION_INTERVAL,
      ),
    };
    const at = Date.now();
    const last = pool.autoScale?.lastEnableTime;
    const since = last ? at - Date.parse(last) : Number.POSITIVE_INFINITY;
    // Azure's 30 s between enables is its sample period; a local account's shorter period shortens it too.
    const separation = samplePeriodFor(settings.evaluationInterval);
    if (since < separation)
      throw new BatchError(
        "AutoScaleTooManyRequestsToEnable",
        `Autoscale on pool ${poolId} was enabled ${Math.round(since / 1000)} s ago; enable it again in ${Math.ceil((separation - since) / 1000)} s.`,
      );
    pool.autoScale = { ...pool.autoScale, ...settings, lastEnableTime: new Date(at).toISOString() };
    this.account.store.putPool(pool);
    this.evaluateNow(pool.id);
  }

  /** Stops the formula; the pool keeps its current targets. */
  disable(poolId: string): void {
    const pool = this.account.pools.activePool(poolId);
    this.forget(poolId);
    if (!pool.autoScale) return;
    pool.autoScale = undefined;
    this.account.store.putPool(pool);
  }

  /** Evaluates a formula against the pool as it is now without applying it (Azure's evaluateautoscale). */
  evaluate(poolId: string, formula: string): AutoScaleRun {
    const pool = this.account.pools.get(poolId);
    if (!pool.autoScale) throw new BatchError("AutoScaleNotEnabled", `Pool id: ${poolId}.`);
    const at = Date.now();
    const history = this.historyOf(pool);
    const context = this.contextOf(pool, history, at, currentValues(this.account, pool));
    return runOf(evaluateFormula(formula, context), at);
  }

  /** At start-up: arm a timer for every autoscale pool; a due evaluation runs at once. */
  start(): void {
    for (const pool of this.account.pools.all()) {
      if (!pool.autoScale || pool.state === "deleting") continue;
      const last = pool.autoScale.run ? Date.parse(pool.autoScale.run.timestamp) : 0;
      const history = this.historyOf(pool);
      history.nextEvaluation = last + intervalOf(pool);
      this.timers.at(pool.id, Math.min(history.nextEvaluation, Date.now() + samplePeriodOf(pool)));
    }
  }

  stop(): void {
    this.timers.clearAll();
  }

  /** The pool is gone or no longer autoscaled: drop its timer and samples. */
  forget(poolId: string): void {
    this.timers.clear(poolId);
    this.histories.delete(poolId);
  }

  /** Evaluates the pool's formula now and arms the next evaluation. */
  evaluateNow(poolId: string): void {
    const pool = this.account.store.getPool(poolId);
    if (!pool) return;
    this.historyOf(pool).nextEvaluation = Date.now();
    this.tick(poolId);
  }

  private tick(poolId: string): void {
    const pool = this.account.store.getPool(poolId);
    if (!pool?.autoScale || pool.state === "deleting") {
      this.forget(poolId);
      return;
    }
    const at = Date.now();
    const history = this.historyOf(pool);
    const values = currentValues(this.account, pool);
    for (const [name, value] of Object.entries(values) as [MetricName, number][]) {
      const samples = history.samples.get(name) ?? [];
      samples.push({ timestamp: at, value });
      history.samples.set(name, samples.slice(-MAX_SAMPLES));
    }
    if (at >= history.nextEvaluation) {
      const evaluation = evaluateFormula(pool.autoScale.formula, this.contextOf(pool, history, at, values));
      pool.autoScale.run = runOf(evaluation, at);
      this.account.store.putPool(pool);
      if (!evaluation.error) this.account.pools.autoscaleTo(pool.id, evaluation.targets);
      history.nextEvaluation = at + intervalOf(pool);
    }
    this.timers.at(poolId, Math.min(history.nextEvaluation, at + samplePeriodOf(pool)));
  }

  private historyOf(pool: PoolRecord): PoolHistory {
    let history = this.histories.get(pool.id);
    if (!history) {
      history = { samples: new Map(), nextEvaluation: Date.now() };
      this.histories.set(pool.id, history);
    }
    return history;
  }

  private contextOf(
    pool: PoolRecord,
    history: PoolHistory,
    at: number,
    values: SampledValues,
  ): AutoscaleContext {
    const metrics: AutoscaleContext["metrics"] = {};
    for (const [name, value] of Object.entries(values) as [MetricName, number][])
      metrics[name] = { current: value, samples: history.samples.get(name) ?? [] };
    return {
      now: at,
      samplePeriodMs: samplePeriodOf(pool),
      targetDedicatedNodes: pool.targetDedicatedNodes,
      targetLowPriorityNodes: pool.targetLowPriorityNodes,
      nodeDeallocationOption: pool.nodeDeallocationOption,
      metrics,
    };
  }
}

/** The task counts of the pool's unfinished jobs, the pool's node counts and its nodes' health, as of now. */
function currentValues(account: Account, pool: PoolRecord): SampledValues {
  const jobIds = account.jobs
    .all()
    .filter((job) => job.spec.poolInfo.poolId === pool.id && job.state !== "completed")
    .map((job) => job.id);
  const { counts } = account.counts.sumOf(jobIds);
  const nodes = account.store.listNodes(pool.id).filter((n) => !n.removal && n.state !== "leavingpool");
  const dedicated = nodes.filter((n) => n.isDedicated).length;
  const running = counts.running + counts.preparing;
  const health = account.agents.health.poolMetrics(
    pool.id,
    nodes.map((n) => n.id),
    Date.now(),
    samplePeriodOf(pool),
  );
  return {
    ...health,
    ActiveTasks: counts.active,
    RunningTasks: running,
    PendingTasks: counts.active + running,
    SucceededTasks: counts.completed,
    FailedTasks: counts.failed,
    CurrentDedicatedNodes: dedicated,
    CurrentLowPriorityNodes: nodes.length - dedicated,
    SampleNodeCount: nodes.length,
    UsableNodeCount: nodes.filter((n) => n.state === "idle" || n.state === "running").length,
    PreemptedNodeCount: nodes.filter((n) => n.state === "preempted").length,
    TaskSlotsPerNode: pool.spec.taskSlotsPerNode ?? 1,
  };
}

function runOf(evaluation: ReturnType<typeof evaluateFormula>, at: number): AutoScaleRun {
  const timestamp = new Date(at).toISOString();
  return evaluation.error
    ? { timestamp, results: evaluation.results, error: evaluation.error }
    : { timestamp, results: evaluation.results };
}

function evaluationIntervalOf(pool: PoolRecord): string {
  return pool.autoScale?.evaluationInterval ?? DEFAULT_EVALUATION_INTERVAL;
}

function intervalOf(pool: PoolRecord): number {
  return parseDuration(evaluationIntervalOf(pool)) ?? 0;
}

/** Azure samples every 30 s; an evaluation interval shorter than that (a local account) samples as often. */
function samplePeriodFor(evaluationInterval: string): number {
  return Math.min(AZURE_SAMPLE_PERIOD_MS, parseDuration(evaluationInterval) ?? 0);
}

function samplePeriodOf(pool: PoolRecord): number {
  return samplePeriodFor(evaluationIntervalOf(pool));
}

/** A formula that parses (a syntax or size error is Azure's 400 with the position), as given. */
function checkedFormula(formula: string): string {
  try {
    parseFormula(formula);
  } catch (thrown) {
    if (!(thrown instanceof FormulaError)) throw thrown;
    const code =
      thrown.code === "AutoScaleFormulaTooLong" || thrown.code === "AutoScaleFormulaTooManyStatements"
        ? thrown.code
        : "InvalidAutoScaleFormula";
    throw new BatchError(code, thrown.message, [{ key: "Message", value: thrown.message }]);
  }
  return formula;
}

function checkedInterval(interval: string): string {
  const ms = parseDuration(interval);
  if (ms === undefined || ms < MIN_EVALUATION_INTERVAL_MS || ms > MAX_EVALUATION_INTERVAL_MS)
    throw invalidPropertyValue(
      "autoScaleEvaluationInterval",
      interval,
      "give a duration between PT2S and P7D (Azure's minimum is PT5M; a local account allows PT2S)",
    );
  return interval;
}
