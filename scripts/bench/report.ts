/**
 * What every benchmark scenario returns, and how the run prints it: one markdown table of figures per
 * scenario (each system measured in the same run, with the same workload and concurrency), and the
 * targets with their ratios. Benchmarks never fail for being slow; a missed target is printed as such.
 */

/** One figure for one system, e.g. OpenBatch throughput in tasks/s. */
export interface Measurement {
  /** "openbatch", "slurm (default)", "slurm (tuned)", "floor (node spawn)", ... */
  system: string;
  /** "throughput", "p50", "rss", ... */
  metric: string;
  value: number;
  unit: string;
  note?: string;
}

/** A target from the issue, checked against the figures of this run. */
export interface TargetCheck {
  name: string;
  actual: number;
  goal: number;
  /** Whether `actual` must be at least or at most `goal`. */
  direction: "at least" | "at most";
  unit: string;
}

export interface ScenarioResult {
  id: string;
  title: string;
  /** What ran, e.g. "2,000 × /bin/true, submitted with addtaskcollection". */
  workload: string;
  /** e.g. "4 nodes × 4 slots = 16". */
  concurrency: string;
  measurements: Measurement[];
  targets: TargetCheck[];
  /** Why a system could not be measured, and similar remarks. */
  notes: string[];
}

export function targetMet(target: TargetCheck): boolean {
  return target.direction === "at least" ? target.actual >= target.goal : target.actual <= target.goal;
}

/** "≥ 5× …: 6.2× (met)" style ratio of actual to goal. */
export function targetRatio(target: TargetCheck): number {
  if (target.goal === 0) return Number.POSITIVE_INFINITY;
  return target.direction === "at least" ? target.actual / target.goal : target.goal / target.actual;
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function markdownTable(headers: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(headers), line(headers.map(() => "---")), ...rows.map(line)].join("\n");
}

export function scenarioMarkdown(result: ScenarioResult): string {
  const parts = [
    `### ${result.id}. ${result.title}`,
    `Workload: ${result.workload}. Concurrency: ${result.concurrency}.`,
    "",
    markdownTable(
      ["system", "metric", "value", "note"],
      result.measurements.map((m) => [
        m.system,
        m.metric,
        `${formatNumber(m.value)} ${m.unit}`,
        m.note ?? "",
      ]),
    ),
  ];
  if (result.targets.length > 0) {
    parts.push(
      "",
      markdownTable(
        ["target", "goal", "actual", "ratio", "met"],
        result.targets.map((t) => [
          t.name,
          `${t.direction === "at least" ? "≥" : "≤"} ${formatNumber(t.goal)} ${t.unit}`,
          `${formatNumber(t.actual)} ${t.unit}`,
          Number.isFinite(targetRatio(t)) ? `${formatNumber(targetRatio(t))}×` : "—",
          targetMet(t) ? "yes" : "**no**",
        ]),
      ),
    );
  }
  for (const note of result.notes) parts.push("", `- ${note}`);
  return parts.join("\n");
}

/** Percentile (0..100) of unsorted samples, nearest-rank. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
