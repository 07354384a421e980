/**
 * Slurm as the benchmarks' peer: each measurement starts a private cluster in the mode asked for
 * (default, then tuned with `sched_interval=1,bf_interval=1`), runs the same workload, and stops it.
 * When Slurm cannot be installed or started, the scenario says so in a note and goes on.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Measurement, percentile } from "./report.js";
import { SlurmCluster } from "./slurmCluster.js";
import type { SlurmMode } from "./slurmConfig.js";
import { ensureSlurmInstalled } from "./slurmInstall.js";

export interface PeerFigures {
  measurements: Measurement[];
  notes: string[];
}

const MODES: readonly SlurmMode[] = ["default", "tuned"];

export class SlurmPeer {
  /** `undefined` while Slurm may be used; otherwise why it is not measured. */
  private unavailable?: string;

  constructor(skipReason?: string) {
    this.unavailable = skipReason;
  }

  /** `sbatch --array` and one `sbatch` per job, `tasks` jobs of `true`, in both modes. */
  async throughput(tasks: number, log: (line: string) => void): Promise<PeerFigures> {
    return this.inEachMode(log, async (cluster, mode, figures) => {
      log(`throughput: slurm (${mode}), sbatch --array of ${tasks}`);
      const array = await cluster.throughputArray(tasks);
      figures.measurements.push({
        system: `slurm (${mode})`,
        metric: "throughput, sbatch --array",
        value: array.jobsPerSecond,
        unit: "tasks/s",
        note: array.unsuccessful > 0 ? `${array.unsuccessful} jobs did not complete` : undefined,
      });
      log(`throughput: slurm (${mode}), ${tasks} × sbatch`);
      const perJob = await cluster.throughputPerJob(tasks);
      figures.measurements.push({
        system: `slurm (${mode})`,
        metric: "throughput, sbatch per job",
        value: perJob.jobsPerSecond,
        unit: "tasks/s",
        note: perJob.unsuccessful > 0 ? `${perJob.unsuccessful} jobs did not complete` : undefined,
      });
      figures.notes.push(`slurm (${mode}): ${array.note}`);
    });
  }

  /** `srun true`, `runs` times one after another, in both modes. */
  async latency(runs: number, log: (line: string) => void): Promise<PeerFigures> {
    return this.inEachMode(log, async (cluster, mode, figures) => {
      log(`dispatch latency: slurm (${mode}), ${runs} × srun true`);
      const latency = await cluster.srunLatency(runs);
      for (const p of [50, 99]) {
        figures.measurements.push({
          system: `slurm (${mode})`,
          metric: `srun true p${p}`,
          value: percentile(latency.samplesMs, p),
          unit: "ms",
          note: `${latency.samplesMs.length} runs`,
        });
      }
    });
  }

  private async inEachMode(
    log: (line: string) => void,
    measure: (cluster: SlurmCluster, mode: SlurmMode, figures: PeerFigures) => Promise<void>,
  ): Promise<PeerFigures> {
    const figures: PeerFigures = { measurements: [], notes: [] };
    if (this.unavailable) return { measurements: [], notes: [`slurm: not measured (${this.unavailable})`] };
    try {
      await ensureSlurmInstalled(log);
    } catch (error) {
      this.unavailable = `install failed: ${(error as Error).message}`;
      return { measurements: [], notes: [`slurm: not measured (${this.unavailable})`] };
    }
    for (const mode of MODES) {
      const workDir = mkdtempSync(join(tmpdir(), `openbatch-bench-slurm-${mode}-`));
      let cluster: SlurmCluster | undefined;
      try {
        cluster = await SlurmCluster.start({ mode, workDir, log });
        await measure(cluster, mode, figures);
      } catch (error) {
        figures.notes.push(`slurm (${mode}): not measured (${firstLine(error)})`);
        log(`slurm (${mode}) failed: ${(error as Error).message}`);
      } finally {
        await cluster?.stop();
        rmSync(workDir, { recursive: true, force: true });
      }
    }
    return figures;
  }
}

function firstLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error).split("\n")[0]!;
}
