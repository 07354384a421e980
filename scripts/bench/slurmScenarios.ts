/**
 * The benchmark workloads run on Slurm: trivial jobs (`true`) so the figures measure the scheduler, not the
 * work. Accounting is off, so completion is seen by polling squeue; each workload's jobs share a unique job
 * name, which lets squeue select them however many there are.
 */

import { percentile } from "./report.js";
import { type CommandResult, describeFailure, type SlurmRunner } from "./slurmCommand.js";
import { MAX_ARRAY_SIZE } from "./slurmConfig.js";

/** What the cluster offers the workloads. */
export interface SlurmSession {
  run: SlurmRunner;
  /** Throws if one of the cluster's daemons has ended, so a wait fails at once rather than at its deadline. */
  assertDaemonsRunning(): void;
}

export interface ThroughputFigures {
  /** The submission as run, e.g. "sbatch --array=1-200 ... --wrap=true -o /dev/null -e /dev/null". */
  command: string;
  jobs: number;
  /** From the first submission until squeue lists none of the jobs. */
  seconds: number;
  jobsPerSecond: number;
  /** Jobs that ended other than COMPLETED (0 expected). */
  unsuccessful: number;
  note: string;
}

export interface LatencyFigures {
  command: string;
  samplesMs: number[];
  p50Ms: number;
  p99Ms: number;
  note: string;
}

export interface ThroughputOptions {
  /** Gives up (cancelling the jobs) after this long; by default 60 s plus 250 ms a job. */
  deadlineMs?: number;
}

export const POLL_INTERVAL_MS = 50;
const COMMAND_TIMEOUT_MS = 30_000;
const COMPLETION_NOTE =
  `done when squeue lists none of the jobs, polled every ${POLL_INTERVAL_MS} ms ` +
  "(so the time is over by at most one interval)";

export async function throughputArray(
  session: SlurmSession,
  jobs: number,
  options: ThroughputOptions = {},
): Promise<ThroughputFigures> {
  if (!Number.isInteger(jobs) || jobs < 1 || jobs >= MAX_ARRAY_SIZE) {
    throw new Error(`an array needs 1 to ${MAX_ARRAY_SIZE - 1} jobs, not ${jobs}`);
  }
  const name = uniqueJobName("array");
  const args = sbatchArgs(name, [`--array=1-${jobs}`]);
  const started = performance.now();
  await submit(session, args);
  const done = await waitUntilGone(session, name, started + (options.deadlineMs ?? defaultDeadlineMs(jobs)));
  return throughput(session, {
    name,
    jobs,
    seconds: (done - started) / 1000,
    command: `sbatch ${args.join(" ")}`,
  });
}

/** `submitters` sbatch processes at a time (1: a serial loop, as a user's shell script would). */
export async function throughputPerJob(
  session: SlurmSession,
  jobs: number,
  options: ThroughputOptions & { submitters?: number } = {},
): Promise<ThroughputFigures> {
  const submitters = options.submitters ?? 1;
  const name = uniqueJobName("jobs");
  const args = sbatchArgs(name, []);
  const started = performance.now();
  const deadline = started + (options.deadlineMs ?? defaultDeadlineMs(jobs));
  let next = 0;
  const submitter = async () => {
    while (next < jobs) {
      if (performance.now() > deadline)
        throw new Error(`slurm: submitted only ${next} of ${jobs} jobs by the deadline`);
      next += 1;
      try {
        await submit(session, args);
      } catch (error) {
        next = jobs; // the other submitters stop too
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(submitters, jobs) }, submitter));
  const done = await waitUntilGone(session, name, deadline);
  const loop = submitters === 1 ? "a serial loop" : `${submitters} parallel submitters`;
  return throughput(session, {
    name,
    jobs,
    seconds: (done - started) / 1000,
    command: `${jobs} × sbatch ${args.join(" ")} (${loop})`,
  });
}

/** `runs` sequential `srun true`, each timed from spawning srun to its exit. */
export async function srunLatency(
  session: SlurmSession,
  runs: number,
  options: { deadlineMs?: number } = {},
): Promise<LatencyFigures> {
  const args = ["--job-name", uniqueJobName("srun"), "--nodes=1", "--ntasks=1", "true"];
  const until = performance.now() + (options.deadlineMs ?? 30_000 + runs * 2_000);
  const samplesMs: number[] = [];
  for (let run = 0; run < runs; run++) {
    if (performance.now() > until) throw new Error(`slurm: only ${run} of ${runs} srun runs by the deadline`);
    const timeoutMs = Math.min(COMMAND_TIMEOUT_MS, until - performance.now());
    const started = performance.now();
    const result = await session.run("srun", args, timeoutMs);
    samplesMs.push(performance.now() - started);
    if (result.code !== 0)
      throw new Error(`srun run ${run + 1} of ${runs}: ${describeFailure("srun", args, result)}`);
  }
  return {
    command: `srun ${args.join(" ")}`,
    samplesMs,
    p50Ms: percentile(samplesMs, 50),
    p99Ms: percentile(samplesMs, 99),
    note: `${runs} sequential runs, each timed from spawning srun to its exit`,
  };
}

function uniqueJobName(kind: string): string {
  return `bench-${kind}-${process.pid}-${Date.now()}`;
}

function sbatchArgs(name: string, extra: string[]): string[] {
  return [
    "--parsable",
    `--job-name=${name}`,
    ...extra,
    "--wrap=true",
    "--output=/dev/null",
    "--error=/dev/null",
  ];
}

function defaultDeadlineMs(jobs: number): number {
  return 60_000 + jobs * 250;
}

async function submit(session: SlurmSession, args: string[]): Promise<void> {
  const result = await session.run("sbatch", args, COMMAND_TIMEOUT_MS);
  if (result.code !== 0) throw new Error(describeFailure("sbatch", args, result));
}

/** Polls squeue until it lists no job named `name`; returns when the poll that saw none began. */
async function waitUntilGone(session: SlurmSession, name: string, deadline: number): Promise<number> {
  const args = ["--noheader", `--name=${name}`, "--format=%i"];
  for (;;) {
    session.assertDaemonsRunning();
    const polled = performance.now();
    const result = await squeue(session, args);
    if (result.stdout.trim() === "") return polled;
    if (polled > deadline) {
      await session.run("scancel", [`--name=${name}`], COMMAND_TIMEOUT_MS);
      const left = result.stdout.trim().split("\n").length;
      throw new Error(
        `slurm: jobs named ${name} still queued (${left} squeue lines) at the deadline; cancelled`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

async function squeue(session: SlurmSession, args: string[]): Promise<CommandResult> {
  const result = await session.run("squeue", args, COMMAND_TIMEOUT_MS);
  if (result.code !== 0) throw new Error(describeFailure("squeue", args, result));
  return result;
}

/** Counts the jobs that did not complete (squeue keeps finished jobs for MinJobAge, 300 s by default). */
async function throughput(
  session: SlurmSession,
  run: { name: string; jobs: number; seconds: number; command: string },
): Promise<ThroughputFigures> {
  const states = await squeue(session, [
    "--noheader",
    "--array",
    "--states=all",
    `--name=${run.name}`,
    "--format=%T",
  ]);
  const unsuccessful = states.stdout
    .split("\n")
    .filter((state) => state !== "" && state !== "COMPLETED").length;
  return {
    command: run.command,
    jobs: run.jobs,
    seconds: run.seconds,
    jobsPerSecond: run.jobs / run.seconds,
    unsuccessful,
    note: COMPLETION_NOTE,
  };
}
