/**
 * Scenario 1, throughput: N × `/bin/true` on 16 slots (a local pool of 4 nodes × 4 slots, as Slurm's
 * 4 slurmd × 4 CPUs), from the first submit to the last completion; OpenBatch (addtaskcollection),
 * Slurm (array and one sbatch per job, default and tuned) and the spawn floor, in one run.
 */
import { preciseNow } from "../../protocol/clock.js";
import { BenchService } from "./benchService.js";
import { spawnThroughput } from "./floor.js";
import { allCompleted, idlePool } from "./openbatchPool.js";
import type { Measurement, ScenarioResult } from "./report.js";
import type { SlurmPeer } from "./slurmPeer.js";

const NODES = 4;
const SLOTS = 4;

export async function throughputScenario(
  tasks: number,
  slurm: SlurmPeer,
  log: (line: string) => void,
): Promise<ScenarioResult> {
  const measurements: Measurement[] = [];
  const notes: string[] = [];

  log(`throughput: OpenBatch, ${tasks} tasks`);
  const openbatch = await openbatchThroughput(tasks);
  measurements.push({ system: "openbatch", metric: "throughput", value: openbatch, unit: "tasks/s" });

  log(`throughput: floor, ${tasks} spawns`);
  const floor = await spawnThroughput(["/bin/true"], tasks, NODES * SLOTS);
  measurements.push({ system: "floor (node spawn)", metric: "throughput", value: floor, unit: "tasks/s" });

  const slurmFigures = await slurm.throughput(tasks, log);
  measurements.push(...slurmFigures.measurements);
  notes.push(...slurmFigures.notes);

  const slurmBest = Math.max(
    0,
    ...slurmFigures.measurements.filter((m) => m.system.startsWith("slurm (tuned)")).map((m) => m.value),
  );
  return {
    id: "1",
    title: "Throughput",
    workload: `${tasks.toLocaleString("en-US")} × /bin/true; OpenBatch tasks submitted with addtaskcollection (100 per call, 4 calls in flight)`,
    concurrency: `${NODES} nodes × ${SLOTS} slots = ${NODES * SLOTS}`,
    measurements,
    targets: [
      ...(slurmBest > 0
        ? [
            {
              name: "vs Slurm's best mode",
              actual: openbatch / slurmBest,
              goal: 5,
              direction: "at least" as const,
              unit: "×",
            },
          ]
        : []),
      {
        name: "vs spawn floor",
        actual: (openbatch / floor) * 100,
        goal: 70,
        direction: "at least",
        unit: "%",
      },
    ],
    notes,
  };
}

async function openbatchThroughput(tasks: number): Promise<number> {
  const service = await BenchService.start();
  try {
    await idlePool(service, "throughput", NODES, SLOTS);
    await service.client.jobs.add({ id: "true", poolInfo: { poolId: "throughput" } });
    const specs = Array.from({ length: tasks }, (_, i) => ({ id: `t${i}`, commandLine: "/bin/true" }));
    const begin = preciseNow();
    await service.client.tasks.addMany("true", specs, { concurrency: 4 });
    await allCompleted(service, "true", tasks);
    return tasks / ((preciseNow() - begin) / 1000);
  } finally {
    await service.dispose();
  }
}
