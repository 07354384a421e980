/**
 * `npm run bench [-- --quick] [-- --only 1,3] [-- --no-slurm]`: runs the benchmark scenarios, each
 * with its peers in the same run, prints a markdown report and writes `bench/results/<date>.json`.
 * Benchmarks are not tests: a missed target is reported, never an exit code.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { bigJobScenario } from "./bigJob.js";
import { bulkAddScenario } from "./bulkAdd.js";
import { controlPlaneScenario } from "./controlPlane.js";
import { dispatchLatencyScenario } from "./dispatchLatency.js";
import { type ScenarioResult, scenarioMarkdown } from "./report.js";
import { SlurmPeer } from "./slurmPeer.js";
import { throughputScenario } from "./throughput.js";

/** Workload sizes: the issue's, and a quick run's that fits in a few minutes. */
const SIZES = {
  full: {
    throughput: 2_000,
    latency: 500,
    bulk: 100_000,
    agents: 10_000,
    dispatched: 100_000,
    bigJob: 1_000_000,
  },
  quick: { throughput: 300, latency: 100, bulk: 10_000, agents: 1_000, dispatched: 10_000, bigJob: 100_000 },
};

const USAGE = `usage: npm run bench -- [--quick] [--only 1,2,3,4,5] [--no-slurm]
  --quick      smaller workloads (a few minutes in all)
  --only LIST  run only these scenarios (1 throughput, 2 dispatch latency, 3 bulk add,
               4 control-plane scale, 5 big job)
  --no-slurm   do not install or run Slurm (its figures are reported as not measured)`;

interface Arguments {
  quick: boolean;
  only: Set<string>;
  slurm: boolean;
}

function parseArguments(argv: string[]): Arguments {
  const args: Arguments = { quick: false, only: new Set(["1", "2", "3", "4", "5"]), slurm: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--quick") args.quick = true;
    else if (arg === "--no-slurm") args.slurm = false;
    else if (arg === "--only" && argv[i + 1]) args.only = new Set(argv[++i]!.split(","));
    else {
      process.stderr.write(
        `${arg === "--help" || arg === "-h" ? "" : `unknown argument: ${arg}\n`}${USAGE}\n`,
      );
      process.exit(arg === "--help" || arg === "-h" ? 0 : 2);
    }
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArguments(process.argv.slice(2));
  const sizes = args.quick ? SIZES.quick : SIZES.full;
  const log = (line: string) =>
    process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  const slurm = new SlurmPeer(args.slurm ? undefined : "skipped with --no-slurm");
  const scenarios: [string, () => Promise<ScenarioResult>][] = [
    ["1", () => throughputScenario(sizes.throughput, slurm, log)],
    ["2", () => dispatchLatencyScenario(sizes.latency, slurm, log)],
    ["3", () => bulkAddScenario(sizes.bulk, log)],
    ["4", () => controlPlaneScenario({ agents: sizes.agents, tasks: sizes.dispatched, log })],
    ["5", () => bigJobScenario(sizes.bigJob, log)],
  ];
  const machine = `${cpus().length} CPUs, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  const results: ScenarioResult[] = [];
  const failures: { id: string; error: string }[] = [];
  for (const [id, run] of scenarios) {
    if (!args.only.has(id)) continue;
    try {
      const result = await run();
      results.push(result);
      process.stdout.write(`\n${scenarioMarkdown(result)}\n`);
    } catch (error) {
      // One scenario failing (say, out of file descriptors) must not hide the others' figures.
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      failures.push({ id, error: text });
      log(`scenario ${id} failed: ${text}`);
    }
  }
  const date = new Date().toISOString().slice(0, 10);
  const directory = resolve(import.meta.dirname, "../../../bench/results");
  mkdirSync(directory, { recursive: true });
  const partial = args.only.size < scenarios.length ? `-only-${[...args.only].sort().join("")}` : "";
  const file = join(directory, `${date}${args.quick ? "-quick" : ""}${partial}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ date, quick: args.quick, machine, results, failures }, null, 2)}\n`,
  );
  process.stdout.write(`\nMachine: ${machine}. Results written to ${file}\n`);
  if (failures.length > 0) process.exitCode = 1;
}

await main();
