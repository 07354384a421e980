/**
 * `npm start`: a whole OpenBatch round trip on this machine. Starts an account service in-process, creates
 * a pool of two local nodes (agent processes), runs a job of 24 tasks that count primes, shows live
 * progress, checks the combined result against an in-process computation, then deletes the pool and stops.
 *
 * Exit codes: 0 success, 1 failure (including a wrong result), 2 usage, 130 interrupted (SIGINT/SIGTERM).
 * Every exit path deletes the pool first, so no agent process outlives the demo.
 *
 * `npm start -- --keep` leaves the service and pool running after the results until Ctrl+C, so the
 * printed CLI commands can be tried from another shell.
 */
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BatchClient, BatchConnectionError, BatchRequestError, collect } from "../client/index.js";
import type { ComputeNode } from "../protocol/rest/node.js";
import type { Task } from "../protocol/rest/task.js";
import { type RunningService, startService } from "../service/main.js";
import { processesMentioning, stopProcesses } from "./demo/leftovers.js";
import { countPrimesBelow, parsePrimeCount, primeRanges, primeTask } from "./demo/primes.js";
import { duration, ProgressLine, table, taskSummary } from "./demo/progress.js";

const POOL_ID = "demo-pool";
const JOB_ID = "demo-job";
const NODE_COUNT = 2;
const TASK_COUNT = 24;
const RANGE_SIZE = 100_000;
const POLL_MS = 200;
const NODES_DEADLINE_MS = 90_000;
const TASKS_DEADLINE_MS = 150_000;
const DELETE_DEADLINE_MS = 45_000;
const FAILED_NODE_STATES = new Set<ComputeNode["state"]>(["starttaskfailed", "unusable", "offline"]);

/** A failure the demo explains itself; anything else is printed with its stack. */
class DemoFailure extends Error {}

const out = (line = "") => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;

const args = process.argv.slice(2);
const keep = args.includes("--keep");
if (args.some((arg) => arg !== "--keep")) {
  process.stderr.write("usage: node dist/scripts/demo.js [--keep]   (npm start -- --keep)\n");
  process.exit(2);
}
const dataDir = mkdtempSync(join(tmpdir(), "openbatch-demo-"));
const serviceLog = join(dataDir, "service.log");
let service: RunningService | undefined;
let client: BatchClient | undefined;
let poolRequested = false;
let finishing: Promise<never> | undefined;
/** With --keep, after the results: Ctrl+C is then the normal way out. */
let waitingForCtrlC = false;

async function main(): Promise<void> {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (finishing) out(`\n${signal}: still cleaning up, at most ${DELETE_DEADLINE_MS / 1000} s more...`);
      void finish(waitingForCtrlC ? 0 : 130, waitingForCtrlC ? undefined : `${signal}: interrupted`);
    });
  }

  out(`OpenBatch demo. Data directory: ${dataDir}  (service log: ${serviceLog})`);
  service = await startService({
    host: "127.0.0.1",
    port: 0,
    dataDir,
    accountName: "demo",
    log: (line) => appendFileSync(serviceLog, `${new Date().toISOString()} ${line}\n`),
  });
  client = new BatchClient(service);
  out(`Account service "${service.accountName}" listening on ${service.endpoint}`);

  poolRequested = true;
  await client.pools.add({
    id: POOL_ID,
    vmSize: "standard_d2s_v3",
    targetDedicatedNodes: NODE_COUNT,
    taskSlotsPerNode: 2,
    startTask: {
      commandLine: '/bin/sh -c "echo node $AZ_BATCH_NODE_ID ready > $AZ_BATCH_NODE_SHARED_DIR/ready.txt"',
      waitForSuccess: true,
    },
  });
  out(
    `\nPool ${POOL_ID}: ${NODE_COUNT} nodes x 2 task slots; each node is an agent process with a start task.`,
  );
  const nodeIds = await waitForIdleNodes(client);

  await client.jobs.add({ id: JOB_ID, poolInfo: { poolId: POOL_ID } });
  const ranges = primeRanges(TASK_COUNT, RANGE_SIZE);
  const limit = TASK_COUNT * RANGE_SIZE;
  const added = await client.tasks.addCollection(JOB_ID, ranges.map(primeTask));
  const refused = added.value.filter((result) => result.status !== "success");
  if (refused.length > 0) {
    const reasons = refused.map(
      (r) => `  ${r.taskId}: ${r.error?.code}: ${r.error?.message.value.split("\n")[0]}`,
    );
    throw new DemoFailure(`${refused.length} tasks were refused:\n${reasons.join("\n")}`);
  }
  out(
    `\nJob ${JOB_ID}: ${TASK_COUNT} tasks, each counting the primes among ${RANGE_SIZE.toLocaleString("en")} numbers below ${limit.toLocaleString("en")} (awk, trial division).`,
  );
  out(`  e.g. ${primeTask(ranges[0]!).commandLine.slice(0, 110)}...`);
  const taskStart = Date.now();
  const tasks = await waitForTasks(client, nodeIds);
  out(`All ${TASK_COUNT} tasks completed in ${((Date.now() - taskStart) / 1000).toFixed(1)} s.\n`);

  const byId = new Map(tasks.map((t) => [t.id, t]));
  const resultsDir = join(dataDir, "results");
  mkdirSync(resultsDir, { recursive: true });
  const rows = await Promise.all(
    ranges.map(async (range) => {
      const task = byId.get(range.taskId)!;
      const stdout = await client!.tasks.getFileText(JOB_ID, range.taskId, "stdout.txt");
      writeFileSync(join(resultsDir, `${range.taskId}.stdout.txt`), stdout);
      return { range, task, count: parsePrimeCount(stdout, range) };
    }),
  );
  out(
    table(
      ["TASK", "NODE", "EXIT", "DURATION", "RESULT"],
      rows.map(({ range, task, count }) => [
        range.taskId,
        task.nodeInfo?.nodeId ?? "-",
        task.executionInfo?.exitCode ?? "-",
        duration(task.executionInfo?.startTime, task.executionInfo?.endTime),
        count === undefined ? "no count in stdout.txt" : `${count} primes in [${range.lo}, ${range.hi})`,
      ]),
    ),
  );

  const failed = rows.filter(({ task, count }) => task.executionInfo?.exitCode !== 0 || count === undefined);
  const total = rows.reduce((sum, { count }) => sum + (count ?? 0), 0);
  const expected = countPrimesBelow(limit);
  out(`\nSum of the ${TASK_COUNT} tasks' counts: ${total} primes below ${limit.toLocaleString("en")}`);
  out(`In-process check (sieve of Eratosthenes): ${expected}`);
  const ok = failed.length === 0 && total === expected;
  if (ok) out(`OK: the result matches the in-process check (${total} primes).`);
  else
    out(`FAILED: ${failed.length} tasks failed or printed no count; sum ${total} vs expected ${expected}.`);

  const example = rows[0]!;
  out("\nOutputs: each task's directory on its node, in the Azure Batch layout:");
  out(`  ${join(dataDir, "nodes", POOL_ID, "<node>", "workitems", JOB_ID, "job-1", "<task>", "stdout.txt")}`);
  out(
    `  e.g. ${join(dataDir, "nodes", POOL_ID, example.task.nodeInfo?.nodeId ?? "?", "workitems", JOB_ID, "job-1", example.range.taskId, "stdout.txt")}`,
  );
  out(
    `Deleting the pool deletes its nodes and their disks, as in Azure; copies of every stdout.txt stay in ${resultsDir}.`,
  );
  out(
    `While the pool exists (${keep ? "now" : "run `npm start -- --keep`"}), read them through the REST API with the CLI:`,
  );
  out(
    `  export OPENBATCH_ENDPOINT=${service.endpoint} OPENBATCH_ACCOUNT_NAME=${service.accountName} OPENBATCH_ACCOUNT_KEY=${service.accountKey}`,
  );
  out(`  node dist/cli/main.js task list ${JOB_ID}`);
  out(`  node dist/cli/main.js task output ${JOB_ID} ${example.range.taskId}`);

  if (keep) {
    out(`\nThe service and pool ${POOL_ID} keep running; press Ctrl+C to delete the pool and stop.`);
    waitingForCtrlC = true;
    await new Promise<never>(() => {});
  }
  await finish(ok ? 0 : 1);
}

/** Polls the nodes until `NODE_COUNT` are idle, printing every state change. */
async function waitForIdleNodes(batch: BatchClient): Promise<string[]> {
  const seen = new Map<string, string>();
  const deadline = Date.now() + NODES_DEADLINE_MS;
  for (;;) {
    const nodes = await collect(batch.nodes.list(POOL_ID));
    for (const node of nodes) {
      if (seen.get(node.id) === node.state) continue;
      seen.set(node.id, node.state);
      out(`  [${elapsed()}] node ${node.id}: ${node.state}`);
      if (FAILED_NODE_STATES.has(node.state)) throw new DemoFailure(nodeFailure(node));
    }
    if (nodes.length >= NODE_COUNT && nodes.every((node) => node.state === "idle")) {
      return nodes.map((node) => node.id).sort();
    }
    if (Date.now() > deadline) {
      throw new DemoFailure(
        `the pool's nodes were not all idle after ${NODES_DEADLINE_MS / 1000} s ` +
          `(${nodes.map((n) => `${n.id}: ${n.state}`).join(", ") || "no nodes yet"}). See ${serviceLog}.`,
      );
    }
    await sleep(POLL_MS);
  }
}

function nodeFailure(node: ComputeNode): string {
  const info = node.startTaskInfo;
  const startTask = info
    ? ` Start task: exit code ${info.exitCode ?? "-"}${info.failureInfo?.message ? `, ${info.failureInfo.message}` : ""}.`
    : "";
  const errors = (node.errors ?? []).map((e) => ` ${e.code}: ${e.message}`).join(";");
  return `node ${node.id} became ${node.state}.${startTask}${errors} See ${serviceLog}.`;
}

/** Polls the job's tasks until all are completed, showing progress. */
async function waitForTasks(batch: BatchClient, nodeIds: string[]): Promise<Task[]> {
  const progress = new ProgressLine();
  const deadline = Date.now() + TASKS_DEADLINE_MS;
  try {
    for (;;) {
      const tasks = await collect(batch.tasks.list(JOB_ID));
      progress.update(taskSummary(tasks, nodeIds));
      if (tasks.length === TASK_COUNT && tasks.every((task) => task.state === "completed")) return tasks;
      if (Date.now() > deadline) {
        throw new DemoFailure(
          `the tasks did not all complete within ${TASKS_DEADLINE_MS / 1000} s. See ${serviceLog}.`,
        );
      }
      await sleep(POLL_MS);
    }
  } finally {
    progress.done();
  }
}

/** Cleans up (once, however many times it is called) and exits with `code`. */
function finish(code: number, message?: string): Promise<never> {
  finishing ??= (async () => {
    if (message) out(`\n${message}`);
    const problems = await cleanUp(code !== 0);
    for (const problem of problems) process.stderr.write(`cleanup: ${problem}\n`);
    out(`Done in ${elapsed()}${code === 0 ? "" : ` (exit code ${code})`}. Data directory: ${dataDir}`);
    process.exit(code);
  })();
  return finishing;
}

/** Deletes the pool (its agents stop), closes the service, and stops any agent that is somehow left. */
async function cleanUp(keepLogs: boolean): Promise<string[]> {
  const problems: string[] = [];
  if (keepLogs) saveAgentLogs();
  if (client && poolRequested) {
    out(`Deleting pool ${POOL_ID} (its nodes' agent processes stop)...`);
    try {
      await client.pools.delete(POOL_ID);
      const deadline = Date.now() + DELETE_DEADLINE_MS;
      while (await client.pools.exists(POOL_ID)) {
        if (Date.now() > deadline)
          throw new Error(`pool ${POOL_ID} still exists after ${DELETE_DEADLINE_MS / 1000} s`);
        await sleep(POLL_MS);
      }
      out(`Pool ${POOL_ID} deleted.`);
    } catch (error) {
      if (!(error instanceof BatchRequestError && error.code === "PoolNotFound"))
        problems.push(describe(error));
    }
  }
  try {
    await service?.close();
  } catch (error) {
    problems.push(`closing the service: ${describe(error)}`);
  }
  const leftovers = processesMentioning(dataDir);
  if (leftovers.length > 0) {
    problems.push(`stopping ${leftovers.length} agent process(es) still running: ${leftovers.join(", ")}`);
    await stopProcesses(leftovers, 5_000);
  }
  return problems;
}

/** Deleting the pool deletes the agents' logs too; after a failure, keep a copy under `<dataDir>/logs`. */
function saveAgentLogs(): void {
  const nodesDir = join(dataDir, "nodes", POOL_ID);
  if (!existsSync(nodesDir)) return;
  const logsDir = join(dataDir, "logs");
  mkdirSync(logsDir, { recursive: true });
  for (const name of readdirSync(nodesDir).filter((n) => n.endsWith(".agent.log"))) {
    copyFileSync(join(nodesDir, name), join(logsDir, name));
  }
  out(`Agent logs copied to ${logsDir}`);
}

function describe(error: unknown): string {
  if (error instanceof BatchRequestError || error instanceof BatchConnectionError)
    return `${error.code}: ${error.message}`;
  if (error instanceof DemoFailure) return error.message;
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

main().catch((error: unknown) => finish(1, `The demo failed: ${describe(error)}`));
