/**
 * The Slurm peer of `npm run bench`: what the bench runner imports, and a CLI for trying it by hand.
 *
 *   node dist/scripts/bench/slurm.js start --work-dir DIR [--mode default|tuned]
 *       starts a cluster that outlives the command (pids in DIR/pids.json; use it with SLURM_CONF=DIR/slurm.conf)
 *   node dist/scripts/bench/slurm.js stop --work-dir DIR
 *       stops exactly the daemons DIR/pids.json lists
 *   node dist/scripts/bench/slurm.js run-quick [--work-dir DIR] [--mode default|tuned]
 *       starts a cluster, runs a short version of each workload, prints the figures as JSON, stops it
 *
 * Exit codes: 0 success, 1 failure, 2 usage, 130 interrupted.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { SlurmCluster } from "./slurmCluster.js";
import type { SlurmMode } from "./slurmConfig.js";
import { ensureSlurmInstalled } from "./slurmInstall.js";

export { SlurmCluster, type SlurmStartOptions } from "./slurmCluster.js";
export { CPUS_PER_NODE, NODE_NAMES, type SlurmMode, TUNED_SCHEDULER_PARAMETERS } from "./slurmConfig.js";
export { ensureSlurmInstalled, type Log } from "./slurmInstall.js";
export { type LatencyFigures, POLL_INTERVAL_MS, type ThroughputFigures } from "./slurmScenarios.js";

const USAGE =
  "usage: node dist/scripts/bench/slurm.js start|stop|run-quick --work-dir DIR [--mode default|tuned]\n" +
  "       (--work-dir is optional for run-quick: a fresh temporary directory by default)\n";
/** run-quick takes about 30 s; this bounds it even if Slurm hangs. */
const RUN_QUICK_DEADLINE_MS = 170_000;
const QUICK = { arrayJobs: 200, perJobJobs: 50, srunRuns: 20 };

interface CliArgs {
  command: "start" | "stop" | "run-quick";
  workDir?: string;
  mode: SlurmMode;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

function parseArgs(argv: string[]): CliArgs | undefined {
  const [command, ...rest] = argv;
  if (command !== "start" && command !== "stop" && command !== "run-quick") return undefined;
  const args: CliArgs = { command, mode: "default" };
  for (let i = 0; i < rest.length; i += 2) {
    const [flag, value] = [rest[i], rest[i + 1]];
    if (value === undefined) return undefined;
    if (flag === "--work-dir") args.workDir = value;
    else if (flag === "--mode" && (value === "default" || value === "tuned")) args.mode = value;
    else return undefined;
  }
  if (args.workDir === undefined && command !== "run-quick") return undefined;
  return args;
}

async function runQuick(args: CliArgs): Promise<void> {
  await ensureSlurmInstalled(log);
  const workDir = args.workDir ?? mkdtempSync(join(tmpdir(), "openbatch-slurm-"));
  const cluster = await SlurmCluster.start({ mode: args.mode, workDir, log });
  const stopAndExit = (code: number) => void cluster.stop().finally(() => process.exit(code));
  process.once("SIGINT", () => stopAndExit(130));
  process.once("SIGTERM", () => stopAndExit(130));
  const deadline = setTimeout(() => {
    log(`slurm: run-quick still running after ${RUN_QUICK_DEADLINE_MS / 1000} s; stopping`);
    stopAndExit(1);
  }, RUN_QUICK_DEADLINE_MS);
  try {
    log(`slurm (${args.mode}): array of ${QUICK.arrayJobs}`);
    const array = await cluster.throughputArray(QUICK.arrayJobs);
    log(`slurm (${args.mode}): ${QUICK.perJobJobs} separate sbatch`);
    const perJob = await cluster.throughputPerJob(QUICK.perJobJobs);
    log(`slurm (${args.mode}): ${QUICK.srunRuns} × srun true`);
    const srun = await cluster.srunLatency(QUICK.srunRuns);
    process.stdout.write(`${JSON.stringify({ mode: args.mode, workDir, array, perJob, srun }, null, 2)}\n`);
  } finally {
    clearTimeout(deadline);
    await cluster.stop();
  }
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args === undefined) {
    process.stderr.write(USAGE);
    return 2;
  }
  if (args.command === "run-quick") {
    await runQuick(args);
  } else if (args.command === "start") {
    await ensureSlurmInstalled(log);
    await SlurmCluster.start({ mode: args.mode, workDir: args.workDir!, log, detach: true });
    log(`slurm: started; stop with: node dist/scripts/bench/slurm.js stop --work-dir ${args.workDir}`);
  } else {
    await SlurmCluster.attach(args.workDir!, log).stop();
    log("slurm: stopped");
  }
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      log(error.message);
      process.exit(1);
    },
  );
}
