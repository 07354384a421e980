/**
 * Faults without loss: a job of 2,000 short tasks on 4 local nodes while the service is SIGKILLed and
 * restarted 3 times and a quarter of the agents are SIGKILLed, 3 times, at random moments of the run
 * (supervision brings them back). Every run appends a start line and an end line to its node's
 * `shared/runs.log` (task id, a random run id, the agent's pid, start and end time), so the test can
 * prove, from the processes' own records rather than the service's:
 * - every task completed: succeeded, or failed with a failureInfo that says why;
 * - every task's command ran to its end exactly once per attempt the service counted: end lines ==
 *   1 + retryCount (a few tasks fail their first attempt on purpose, to be retried);
 * - a run that started and never ended was killed, and only a requeue explains it: start lines ≤
 *   1 + retryCount + requeueCount (a requeue may also end a run that never reached its node);
 * - no two runs of a task overlapped in time.
 * The randomness is seeded (`CHAOS_SEED` to replay one); the seed is printed.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { collect } from "../../client/index.js";
import type { Task } from "../../protocol/rest/task.js";
import { seededRandom } from "../../service/core/preemptions.js";
import {
  agentPids,
  killEverything,
  makeDataDir,
  type ServiceProcess,
  startService,
  stopService,
  waitFor,
} from "./harness.js";

const TASKS = 2000;
const NODES = 4;
const SERVICE_KILLS = 3;
const AGENT_KILL_ROUNDS = 3;
/** Every this many tasks one fails its first attempt, so that retries are exercised too. */
const FAIL_FIRST_EVERY = 50;
const BOUND_MS = 4 * 60_000;

/** `count` fractions of the job, at least `gap` apart, between 0.1 and 0.85. */
function moments(random: () => number, count: number, gap: number): number[] {
  for (;;) {
    const picked = Array.from({ length: count }, () => 0.1 + random() * 0.75).sort((a, b) => a - b);
    if (picked.every((value, i) => i === 0 || value - picked[i - 1]! >= gap)) return picked;
  }
}

/**
 * The task: a start line, a short sleep, an end line (both to the node's runs.log, appended in one
 * write each). Times come from /proc/uptime, the run id from the kernel's uuid generator, the agent's
 * pid from the wrapper's parent: all read with shell builtins, so a task costs one extra process.
 */
function commandLine(taskId: string, markers: string, failFirst: boolean): string {
  const log = `"$AZ_BATCH_NODE_SHARED_DIR/runs.log"`;
  const exit = failFirst
    ? `if [ -e ${markers}/${taskId} ]; then c=0; else : >${markers}/${taskId}; c=3; fi;`
    : "c=0;";
  return (
    `/bin/sh -c 'read -r run </proc/sys/kernel/random/uuid; read -r _ _ _ agent _ </proc/$PPID/stat; ` +
    `read -r t0 _ </proc/uptime; echo "S $AZ_BATCH_TASK_ID $run $agent $t0" >>${log}; sleep 0.05; ${exit} ` +
    `read -r t1 _ </proc/uptime; echo "E $AZ_BATCH_TASK_ID $run $agent $t0 $t1 $c" >>${log}; exit $c'`
  );
}

interface Run {
  node: string;
  runId: string;
  agentPid: number;
  start: number;
  end?: number;
}

function readRuns(nodesDir: string): Map<string, Run[]> {
  const runs = new Map<string, Map<string, Run>>();
  for (const node of fs.readdirSync(nodesDir)) {
    const file = path.join(nodesDir, node, "shared/runs.log");
    if (!fs.existsSync(file)) continue;
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
      const [kind, taskId, runId, agentPid, start, end] = line.split(" ");
      if (!taskId || !runId) continue;
      const byRun = runs.get(taskId) ?? new Map<string, Run>();
      runs.set(taskId, byRun);
      const run = byRun.get(runId) ?? { node, runId, agentPid: Number(agentPid), start: Number(start) };
      if (kind === "E") run.end = Number(end);
      byRun.set(runId, run);
    }
  }
  return new Map([...runs].map(([taskId, byRun]) => [taskId, [...byRun.values()]]));
}

describe("chaos", () => {
  const dataDir = makeDataDir("chaos");
  const markers = path.join(dataDir, "markers");
  let service: ServiceProcess | undefined;
  const serviceLogs: string[] = [];

  afterAll(async () => {
    if (service) await stopService(service);
    killEverything(dataDir);
  });

  it(
    "completes every task exactly once through service kills and agent kills",
    async () => {
      const seed = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
      console.log(`chaos seed ${seed} (replay with CHAOS_SEED=${seed})`);
      const random = seededRandom(seed);
      const serviceKills = moments(random, SERVICE_KILLS, 0.12);
      const agentKills = moments(random, AGENT_KILL_ROUNDS, 0.12);
      fs.mkdirSync(markers);

      service = await startService(dataDir);
      const port = Number(new URL(service.endpoint).port);
      let client = service.client;
      await client.pools.add({ id: "p", vmSize: "small", targetDedicatedNodes: NODES, taskSlotsPerNode: 4 });
      await client.jobs.add({
        id: "j",
        poolInfo: { poolId: "p" },
        constraints: { maxTaskRetryCount: 2 },
      });
      const tasks = Array.from({ length: TASKS }, (_, i) => {
        const id = `t${String(i).padStart(4, "0")}`;
        return { id, commandLine: commandLine(id, markers, i % FAIL_FIRST_EVERY === 7) };
      });
      const added = await client.tasks.addMany("j", tasks);
      expect(added.filter((r) => r.status !== "success")).toEqual([]);

      const nodesDir = path.join(dataDir, "nodes/p");
      const killedAgents: { node: string; pid: number }[] = [];
      const started = Date.now();
      await waitFor(
        "every task to complete through the chaos",
        async () => {
          const counts = (await client.jobs.getTaskCounts("j")).taskCounts;
          const done = counts.completed / TASKS;
          if (serviceKills.length > 0 && done >= serviceKills[0]!) {
            serviceKills.shift();
            console.log(`chaos: SIGKILL the service at ${(done * 100).toFixed(1)} %`);
            await stopService(service!, "SIGKILL");
            serviceLogs.push(service!.output());
            service = await startService(dataDir, port);
            client = service.client;
          }
          if (agentKills.length > 0 && done >= agentKills[0]!) {
            agentKills.shift();
            const nodes = fs.readdirSync(nodesDir).filter((name) => !name.endsWith(".agent.log"));
            const node = nodes[Math.floor(random() * nodes.length)]!;
            const pid = agentPids(path.join(nodesDir, node))[0];
            console.log(`chaos: SIGKILL the agent of ${node} (pid ${pid}) at ${(done * 100).toFixed(1)} %`);
            if (pid) {
              process.kill(pid, "SIGKILL");
              killedAgents.push({ node, pid });
            }
          }
          return counts.completed === TASKS && serviceKills.length === 0 && agentKills.length === 0;
        },
        BOUND_MS,
      );
      console.log(`chaos: all ${TASKS} tasks completed in ${((Date.now() - started) / 1000).toFixed(1)} s`);

      const all: Task[] = await collect(client.tasks.list("j"));
      expect(all).toHaveLength(TASKS);
      const runs = readRuns(nodesDir);
      const problems: string[] = [];
      let requeued = 0;
      let retried = 0;
      let killedRuns = 0;
      for (const task of all) {
        const info = task.executionInfo!;
        const taskRuns = (runs.get(task.id) ?? []).sort((a, b) => a.start - b.start);
        const ended = taskRuns.filter((run) => run.end !== undefined);
        requeued += info.requeueCount;
        retried += info.retryCount;
        killedRuns += taskRuns.length - ended.length;
        const say = (what: string) =>
          problems.push(`${task.id}: ${what} (${JSON.stringify({ info, runs: taskRuns })})`);
        if (task.state !== "completed") say(`state ${task.state}`);
        if (info.result === "failure" && !info.failureInfo?.message) say("failed without a reason");
        if (ended.length !== 1 + info.retryCount)
          say(`${ended.length} runs ended, where 1 + retryCount = ${1 + info.retryCount}`);
        if (taskRuns.length > 1 + info.retryCount + info.requeueCount)
          say(`${taskRuns.length} runs started, more than 1 + retryCount + requeueCount`);
        for (let i = 1; i < taskRuns.length; i++) {
          const before = taskRuns[i - 1]!;
          if (before.end === undefined || taskRuns[i]!.start < before.end)
            say(
              `run ${taskRuns[i]!.runId} started while ${before.runId} still ran (or was never seen to end)`,
            );
        }
      }
      console.log(
        `chaos: ${requeued} requeues, ${retried} retries, ${killedRuns} runs killed before their end, ` +
          `agents killed: ${killedAgents.map((k) => k.node).join(", ")}`,
      );
      expect(problems).toEqual([]);
      // A failing first attempt was retried: the retries are the planted ones.
      expect(retried).toBe(TASKS / FAIL_FIRST_EVERY);

      // Supervision brought every killed agent back: one live agent per node, and every node idle.
      for (const { node, pid } of killedAgents) {
        const now = agentPids(path.join(nodesDir, node))[0];
        expect(now, `the agent of ${node} was started again`).toBeDefined();
        expect(now).not.toBe(pid);
      }
      await waitFor("every node to be idle", async () => {
        const nodes = await collect(client.nodes.list("p"));
        return nodes.length === NODES && nodes.every((n) => n.state === "idle");
      });
    },
    BOUND_MS + 60_000,
  );
});
