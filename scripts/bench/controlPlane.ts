/**
 * Scenario 4, control-plane scale: N simulated agents (scripts/bench/simulatedAgents.ts, up to 2,500
 * WebSockets per process) register with ONE service (external provisioner) and heartbeat while the
 * service's RSS, CPU and heartbeat round trip are measured; then M tasks are added to one job with
 * addtaskcollection and dispatched across the nodes, each completed at once by its simulated agent.
 *
 *   node dist/scripts/bench/controlPlane.js --agents 1000 --tasks 10000 \
 *     [--heartbeat-interval-ms 5000] [--submit-concurrency 8] [--cpu-prof DIR]
 */
import { rmSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { preciseNow } from "../../protocol/clock.js";
import { BenchService, waitUntil } from "./benchService.js";
import { cpuWindow, machineCpuWindow } from "./processCpu.js";
import {
  formatNumber,
  type Measurement,
  percentile,
  type ScenarioResult,
  scenarioMarkdown,
} from "./report.js";
import { SimulatedAgentFleet } from "./simulatedAgentFleet.js";

export interface ControlPlaneOptions {
  agents: number;
  tasks: number;
  log: (line: string) => void;
  /** What the service tells agents (default: the service's own default, 5,000 ms); lower is a stress test. */
  heartbeatIntervalMs?: number;
  /** How long heartbeats are measured before any task is added (default 20 s). */
  heartbeatWindowMs?: number;
  /** addtaskcollection calls in flight (default 8). */
  submitConcurrency?: number;
  /** Profile the service (`node --cpu-prof`); the .cpuprofile lands here when it stops. */
  cpuProfileDir?: string;
  /** Every wait ends by then, whatever the phase (default 9 minutes). */
  budgetMs?: number;
}

const POOL_ID = "controlplane";
const JOB_ID = "controlplane";
const AGENTS_PER_PROCESS = 2_500;
const RSS_SAMPLE_MS = 500;
const WATCHDOG_GRACE_MS = 30_000;

/** What the phases of one run share. */
interface Run {
  service: BenchService;
  fleet: SimulatedAgentFleet;
  options: Required<Omit<ControlPlaneOptions, "cpuProfileDir" | "budgetMs">>;
  /** A wait's timeout, cut short by the run's budget. */
  within: (ms: number) => number;
  add: (metric: string, value: number, unit: string, note?: string) => void;
  notes: string[];
}

export async function controlPlaneScenario(options: ControlPlaneOptions): Promise<ScenarioResult> {
  const settings: Run["options"] = {
    agents: options.agents,
    tasks: options.tasks,
    log: options.log,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 5_000,
    heartbeatWindowMs: options.heartbeatWindowMs ?? 20_000,
    submitConcurrency: options.submitConcurrency ?? 8,
  };
  const deadline = Date.now() + (options.budgetMs ?? 540_000);
  const measurements: Measurement[] = [];
  const notes: string[] = [];
  const loadAtStart = loadavg()[0]!;
  let heartbeatP99 = Number.NaN;
  let throughput = Number.NaN;
  let peakRss = Number.NaN;

  const service = await BenchService.start({
    flags: ["--provisioner", "external", "--heartbeat-interval-ms", String(settings.heartbeatIntervalMs)],
    nodeFlags: options.cpuProfileDir ? ["--cpu-prof", "--cpu-prof-dir", options.cpuProfileDir] : [],
    raiseFileLimit: true,
  });
  // Requests have no timeout of their own: past the budget, the service is killed and they fail.
  const watchdog = setTimeout(
    () => {
      notes.push("The run exceeded its budget; the service was killed.");
      service.child.kill("SIGKILL");
    },
    deadline - Date.now() + WATCHDOG_GRACE_MS,
  );
  let fleet: SimulatedAgentFleet | undefined;
  try {
    options.log(`control plane: service pid ${service.pid}; a pool of ${options.agents} external nodes`);
    await service.client.pools.add({
      id: POOL_ID,
      vmSize: "simulated",
      targetDedicatedNodes: options.agents,
      taskSlotsPerNode: 1,
    });
    const poolFile = join(service.dataDir, "external", `${POOL_ID}.json`);
    fleet = new SimulatedAgentFleet(poolFile, options.agents, AGENTS_PER_PROCESS);
    const run: Run = {
      service,
      fleet,
      options: settings,
      within: (ms) => Math.max(1_000, Math.min(ms, deadline - Date.now())),
      add: (metric, value, unit, note) =>
        measurements.push({ system: "openbatch", metric, value, unit, note }),
      notes,
    };
    await registerAgents(run);
    heartbeatP99 = await measureHeartbeats(run);
    throughput = await dispatchTasks(run);
  } catch (error) {
    notes.push(`The run stopped early: ${(error as Error).message}`);
  } finally {
    clearTimeout(watchdog);
    await fleet?.stop();
    if (service.child.exitCode === null && service.child.signalCode === null) peakRss = service.peakRssMiB();
    measurements.push({
      system: "openbatch",
      metric: "rss peak",
      value: peakRss,
      unit: "MiB",
      note: "VmHWM over the whole run",
    });
    await service.stop();
    rmSync(service.dataDir, { recursive: true, force: true });
  }
  if (fleet && fleet.errorCount > 0) {
    notes.push(
      `${fleet.errorCount} errors from the simulated agents, e.g.: ${fleet.errors.slice(0, 3).join("; ")}`,
    );
  }
  notes.push(
    `One pool, taskSlotsPerNode 1. The service, ${fleet?.processes ?? 0} simulated-agent processes and the bench share this machine's ${availableParallelism()} cores, so round trips include the agents' own event-loop delay.`,
    `Load average: ${formatNumber(loadAtStart)} at the start, ${formatNumber(loadavg()[0]!)} at the end (anything else running skews the figures).`,
  );
  const count = (n: number) => n.toLocaleString("en-US");
  return {
    id: "4",
    title: "Control-plane scale",
    workload:
      `${count(options.agents)} simulated agents over loopback WebSockets, heartbeating every ${settings.heartbeatIntervalMs} ms; ` +
      `then ${count(options.tasks)} tasks added with addtaskcollection (100 per call, ${settings.submitConcurrency} in flight), each completed at once by its agent (no process)`,
    concurrency: `${count(options.agents)} nodes × 1 slot`,
    measurements,
    targets: [
      { name: "service RSS (peak)", actual: peakRss, goal: 2048, direction: "at most", unit: "MiB" },
      { name: "heartbeat round trip p99", actual: heartbeatP99, goal: 50, direction: "at most", unit: "ms" },
      { name: "dispatch throughput", actual: throughput, goal: 5000, direction: "at least", unit: "tasks/s" },
    ],
    notes,
  };
}

/** Every agent registered and every node idle. */
async function registerAgents({ service, fleet, options, within, add }: Run): Promise<void> {
  const start = preciseNow();
  await fleet.until(
    `${options.agents} registrations`,
    () => fleet.registered + fleet.failed >= options.agents,
    within(240_000),
  );
  if (fleet.failed > 0) throw new Error(`${fleet.failed} simulated agents could not register`);
  // A node is idle before its agent hears `registered`, so one check normally does; it is timed, as
  // a scan of every node is the most a REST call costs here (and heartbeats wait meanwhile).
  let scanMs = Number.NaN;
  await waitUntil(
    "every node idle",
    async () => {
      const scanStart = preciseNow();
      const notIdle = (await service.client.nodes.listPage(POOL_ID, idleFilter)).value.length;
      scanMs = preciseNow() - scanStart;
      return notIdle === 0;
    },
    within(120_000),
    500,
  );
  const seconds = (preciseNow() - start) / 1000;
  add(
    "registration",
    options.agents / seconds,
    "agents/s",
    `all idle ${formatNumber(seconds)} s after the agents started`,
  );
  add(
    "list nodes, filtered",
    scanMs,
    "ms",
    `GET /pools/{id}/nodes?$filter=state ne 'idle' over ${options.agents} nodes`,
  );
  options.log(`control plane: ${options.agents} agents registered and idle in ${formatNumber(seconds)} s`);
}

/** The service's RSS, CPU and heartbeat round trips over a window of heartbeats alone; returns the p99. */
async function measureHeartbeats({ service, fleet, options, add, notes }: Run): Promise<number> {
  // Steady state: one interval for every agent to beat once and for start-up garbage to be collected.
  await new Promise((resolve) => setTimeout(resolve, options.heartbeatIntervalMs));
  options.log(`control plane: measuring heartbeats for ${options.heartbeatWindowMs / 1000} s`);
  fleet.startRecording();
  const cpu = cpuWindow(service.pid);
  const rss = await maxRssOver(service, options.heartbeatWindowMs);
  const cpuPercent = cpu();
  const rtts = fleet.stopRecording();
  const p99 = percentile(rtts, 99);
  add("rss while heartbeating", rss, "MiB", "VmRSS, highest sample");
  add("cpu while heartbeating", cpuPercent, "% of a core", "utime + stime over the window");
  add("heartbeats answered", rtts.length / (options.heartbeatWindowMs / 1000), "/s");
  add("heartbeat round trip p50", percentile(rtts, 50), "ms", "send → ack, timed by the simulated agent");
  add("heartbeat round trip p99", p99, "ms");
  if (fleet.unanswered > 0) notes.push(`${fleet.unanswered} heartbeats were never acked within 30 s.`);
  return p99;
}

/** Adds the tasks and waits for every completion; returns the dispatch throughput in tasks/s. */
async function dispatchTasks({ service, fleet, options, within, add, notes }: Run): Promise<number> {
  const { client } = service;
  options.log(`control plane: adding ${options.tasks} tasks`);
  await client.jobs.add({ id: JOB_ID, poolInfo: { poolId: POOL_ID } });
  const specs = Array.from({ length: options.tasks }, (_, i) => ({ id: `t${i}`, commandLine: "/bin/true" }));
  fleet.startRecording();
  const cpu = cpuWindow(service.pid);
  const machineCpu = machineCpuWindow();
  const submitStart = preciseNow();
  const results = await client.tasks.addMany(JOB_ID, specs, { concurrency: options.submitConcurrency });
  const submitSeconds = (preciseNow() - submitStart) / 1000;
  const refused = results.filter((r) => r.status !== "success").length;
  if (refused > 0) throw new Error(`${refused} of ${options.tasks} tasks were refused`);
  add("submit", options.tasks / submitSeconds, "tasks/s", "addtaskcollection, while dispatching");
  try {
    await fleet.until(
      `${options.tasks} completions`,
      () => fleet.tasks().completed >= options.tasks,
      within(300_000),
    );
  } catch (error) {
    notes.push(`Stopped waiting: ${(error as Error).message}; figures are for the tasks completed by then.`);
  }
  const done = fleet.tasks();
  add("cpu while dispatching", cpu(), "% of a core", "first submit to last completion");
  add(
    "machine cpu while dispatching",
    machineCpu(),
    `% of a core (of ${availableParallelism() * 100})`,
    "service, simulated agents and bench together",
  );
  add("heartbeat round trip p99 while dispatching", percentile(fleet.stopRecording(), 99), "ms");
  if (done.firstStartedAt === undefined || done.lastCompletedAt === undefined) return Number.NaN;
  const throughput = done.completed / ((done.lastCompletedAt - done.firstStartedAt) / 1000);
  add("dispatch throughput", throughput, "tasks/s", "first taskStarted to last taskCompleted, at the agents");
  add("end to end", (done.lastCompletedAt - submitStart) / 1000, "s", "first submit to last completion");
  if (done.completed >= options.tasks) {
    await waitUntil(
      "the service to record every completion",
      async () => (await client.jobs.getTaskCounts(JOB_ID)).taskCounts.completed >= options.tasks,
      within(60_000),
      100,
    );
    add(
      "end to end, as recorded",
      (preciseNow() - submitStart) / 1000,
      "s",
      "until the job's task counts say so (polled)",
    );
  }
  return throughput;
}

/** The first node that is not idle, if any: an empty page means every node is. */
const idleFilter = { filter: "state ne 'idle'", select: "id", maxResults: 1 };

/** Samples the service's RSS every 500 ms for `durationMs`; the highest sample, in MiB. */
async function maxRssOver(service: BenchService, durationMs: number): Promise<number> {
  let max = service.rssMiB();
  const end = Date.now() + durationMs;
  while (Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(RSS_SAMPLE_MS, end - Date.now())));
    max = Math.max(max, service.rssMiB());
  }
  return max;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      agents: { type: "string", default: "1000" },
      tasks: { type: "string", default: "10000" },
      "heartbeat-interval-ms": { type: "string" },
      "submit-concurrency": { type: "string" },
      "cpu-prof": { type: "string" },
    },
  });
  const optional = (name: keyof typeof values) => (values[name] ? Number(values[name]) : undefined);
  const result = await controlPlaneScenario({
    agents: Number(values.agents),
    tasks: Number(values.tasks),
    heartbeatIntervalMs: optional("heartbeat-interval-ms"),
    submitConcurrency: optional("submit-concurrency"),
    cpuProfileDir: values["cpu-prof"],
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${scenarioMarkdown(result)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
