/**
 * Scenario 2, dispatch latency: one task at a time added to an idle pool, from the client's request to
 * its process running on the node (pid known), split with the task's dispatch timeline into the HTTP
 * request (client → service), service time (request arrived → dispatch sent), transport (sent →
 * received by the agent) and spawn (received → running); next to a bare `spawn()` and `srun true`.
 */
import { preciseNow } from "../../protocol/clock.js";
import type { TaskTimeline } from "../../protocol/rest/task.js";
import { BenchService, waitUntil } from "./benchService.js";
import { spawnLatencies, taskSpawnLatencies } from "./floor.js";
import { allCompleted, idlePool } from "./openbatchPool.js";
import { type Measurement, percentile, type ScenarioResult } from "./report.js";
import type { SlurmPeer } from "./slurmPeer.js";

interface Split {
  request: number;
  service: number;
  transport: number;
  spawn: number;
  endToEnd: number;
}

export async function dispatchLatencyScenario(
  samples: number,
  slurm: SlurmPeer,
  log: (line: string) => void,
): Promise<ScenarioResult> {
  log(`dispatch latency: OpenBatch, ${samples} tasks one at a time`);
  const splits = await openbatchLatencies(samples);
  log(`dispatch latency: floor, ${samples} spawns`);
  const floor = await spawnLatencies(["/bin/true"], samples);
  const taskFloor = await taskSpawnLatencies(["/bin/true"], samples);
  const slurmFigures = await slurm.latency(Math.min(samples, 100), log);

  const pick = (key: keyof Split) => splits.map((s) => s[key]);
  const serviceAndTransport = splits.map((s) => s.service + s.transport);
  const measurements: Measurement[] = [];
  const both = (system: string, metric: string, values: number[]) => {
    measurements.push({ system, metric: `${metric} p50`, value: percentile(values, 50), unit: "ms" });
    measurements.push({ system, metric: `${metric} p99`, value: percentile(values, 99), unit: "ms" });
  };
  both("openbatch", "end to end", pick("endToEnd"));
  both("openbatch", "HTTP request (client → service)", pick("request"));
  both("openbatch", "service (request arrived → dispatch sent)", pick("service"));
  both("openbatch", "transport (sent → agent)", pick("transport"));
  both("openbatch", "spawn (agent → process running)", pick("spawn"));
  both("openbatch", "service + transport", serviceAndTransport);
  both("floor (node spawn)", "spawn()", floor);
  both("floor (node spawn)", "task directory + output files + spawn()", taskFloor);
  measurements.push(...slurmFigures.measurements);

  const endToEndP50 = percentile(pick("endToEnd"), 50);
  const floorP50 = percentile(floor, 50);
  return {
    id: "2",
    title: "Dispatch latency",
    workload: `${samples} × /bin/true, each added alone (POST /jobs/{id}/tasks) to an idle pool and waited for`,
    concurrency: "1 node × 4 slots, one task at a time",
    measurements,
    targets: [
      {
        name: "service + transport p50",
        actual: percentile(serviceAndTransport, 50),
        goal: 1,
        direction: "at most",
        unit: "ms",
      },
      {
        name: "service + transport p99",
        actual: percentile(serviceAndTransport, 99),
        goal: 10,
        direction: "at most",
        unit: "ms",
      },
      {
        name: "end to end p50 − bare spawn p50",
        actual: endToEndP50 - floorP50,
        goal: 3,
        direction: "at most",
        unit: "ms",
      },
    ],
    notes: [
      "Service time starts when the request reaches the service (its first hook) and ends when the dispatch is written to the agent's WebSocket; the HTTP request before it is shown apart. All stamps come from one clock (performance.timeOrigin + performance.now()) read by each process.",
      ...slurmFigures.notes,
    ],
  };
}

async function openbatchLatencies(samples: number): Promise<Split[]> {
  const service = await BenchService.start();
  const { client } = service;
  try {
    await idlePool(service, "latency", 1, 4);
    await client.jobs.add({ id: "latency", poolInfo: { poolId: "latency" } });
    const splits: Split[] = [];
    for (let i = 0; i < samples; i++) {
      const id = `t${i}`;
      const sentAt = preciseNow();
      await client.tasks.add("latency", { id, commandLine: "/bin/true" });
      let timeline: TaskTimeline | undefined;
      await waitUntil(
        `task ${id} to start`,
        async () => {
          timeline = await client.tasks.getTimeline("latency", id);
          return timeline.spawnedAt !== undefined;
        },
        30_000,
        1,
      );
      const { addedAt, dispatchedAt, receivedAt, spawnedAt } = timeline as Required<TaskTimeline>;
      splits.push({
        request: addedAt - sentAt,
        service: dispatchedAt - addedAt,
        transport: receivedAt - dispatchedAt,
        spawn: spawnedAt - receivedAt,
        endToEnd: spawnedAt - sentAt,
      });
      await allCompleted(service, "latency", i + 1, 30_000);
    }
    return splits;
  } finally {
    await service.dispose();
  }
}
