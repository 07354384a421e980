/**
 * `openbatch pool stats [id]` and `openbatch job stats [id]`: a pool's or job's statistics
 * (`$expand=stats`), or, without an id, the account's lifetime statistics (`GET /lifetimepoolstats`,
 * `GET /lifetimejobstats`).
 */
import type { Command } from "commander";
import type { BatchClient } from "../../client/index.js";
import type { JobStatistics } from "../../protocol/rest/job.js";
import type { PoolStatistics } from "../../protocol/rest/pool.js";
import { type CliContext, clientFor, globalOptions } from "../context.js";
import { examples } from "../examples.js";
import { type Column, printRecord } from "../output.js";

const gib = (value: number | undefined) => (value === undefined ? undefined : `${value.toFixed(3)} GiB`);

const poolStatisticsColumns: Column<PoolStatistics>[] = [
  { header: "startTime", value: (s) => s.startTime },
  { header: "lastUpdateTime", value: (s) => s.lastUpdateTime },
  { header: "dedicatedCoreTime", value: (s) => s.usageStats?.dedicatedCoreTime },
  { header: "avgCPUPercentage", value: (s) => s.resourceStats?.avgCPUPercentage.toFixed(1) },
  { header: "avgMemory", value: (s) => gib(s.resourceStats?.avgMemoryGiB) },
  { header: "peakMemory", value: (s) => gib(s.resourceStats?.peakMemoryGiB) },
  { header: "avgDisk", value: (s) => gib(s.resourceStats?.avgDiskGiB) },
  { header: "peakDisk", value: (s) => gib(s.resourceStats?.peakDiskGiB) },
  { header: "diskReadIOps", value: (s) => s.resourceStats?.diskReadIOps },
  { header: "diskWriteIOps", value: (s) => s.resourceStats?.diskWriteIOps },
  { header: "diskRead", value: (s) => gib(s.resourceStats?.diskReadGiB) },
  { header: "diskWrite", value: (s) => gib(s.resourceStats?.diskWriteGiB) },
  { header: "networkRead", value: (s) => gib(s.resourceStats?.networkReadGiB) },
  { header: "networkWrite", value: (s) => gib(s.resourceStats?.networkWriteGiB) },
];

const jobStatisticsColumns: Column<JobStatistics>[] = [
  { header: "startTime", value: (s) => s.startTime },
  { header: "lastUpdateTime", value: (s) => s.lastUpdateTime },
  { header: "numSucceededTasks", value: (s) => s.numSucceededTasks },
  { header: "numFailedTasks", value: (s) => s.numFailedTasks },
  { header: "numTaskRetries", value: (s) => s.numTaskRetries },
  { header: "wallClockTime", value: (s) => s.wallClockTime },
  { header: "waitTime", value: (s) => s.waitTime },
];

/** `<resource> stats [id]`: one resource's `$expand=stats`, or the account's lifetime figures without an id. */
function registerStatsCommand<T>(
  parent: Command,
  context: CliContext,
  spec: {
    description: string;
    resource: string;
    one: (client: BatchClient, id: string) => Promise<T>;
    lifetime: (client: BatchClient) => Promise<T>;
    columns: Column<T>[];
    examples: [string, string][];
  },
): void {
  parent
    .command("stats")
    .description(spec.description)
    .argument("[id]", `${spec.resource} id (absent: the whole account)`)
    .addHelpText("after", examples(...spec.examples))
    .action(async (id: string | undefined, _options: unknown, command: Command) => {
      const client = clientFor(command, context);
      const stats = id === undefined ? await spec.lifetime(client) : await spec.one(client, id);
      printRecord(context, globalOptions(command).output, stats, spec.columns);
    });
}

export function registerPoolStatisticsCommand(pool: Command, context: CliContext): void {
  registerStatsCommand(pool, context, {
    description:
      "Show a pool's statistics (GET /pools/{id}?$expand=stats), or without an id every pool's since " +
      "the service started (GET /lifetimepoolstats): dedicated core time, and the CPU, memory, disk " +
      "and network figures the nodes' agents reported with their heartbeats.",
    resource: "pool",
    one: async (client, id) => (await client.pools.get(id, { expand: "stats" })).stats!,
    lifetime: (client) => client.pools.getAllLifetimeStatistics(),
    columns: poolStatisticsColumns,
    examples: [
      ["what pool p1's nodes used", "openbatch pool stats p1"],
      ["every pool of the account, as PoolStatistics JSON", "openbatch pool stats -o json"],
    ],
  });
}

export function registerJobStatisticsCommand(job: Command, context: CliContext): void {
  registerStatsCommand(job, context, {
    description:
      "Show a job's statistics (GET /jobs/{id}?$expand=stats), or without an id every job's added up " +
      "(GET /lifetimejobstats): tasks succeeded and failed, retries, wall-clock and wait time.",
    resource: "job",
    one: async (client, id) => (await client.jobs.get(id, { expand: "stats" })).stats!,
    lifetime: (client) => client.jobs.getAllLifetimeStatistics(),
    columns: jobStatisticsColumns,
    examples: [
      ["how job j1's tasks went", "openbatch job stats j1"],
      ["every job of the account, as JobStatistics JSON", "openbatch job stats -o json"],
    ],
  });
}
