/**
 * Scenario 3, bulk add: N tasks into one job with addtaskcollection, one call at a time and with the
 * client's parallel add; tasks/s accepted durably. Durability is checked, not assumed: the service is
 * killed with SIGKILL right after the last 2xx, restarted on the same data, and must have every task.
 */
import { preciseNow } from "../../protocol/clock.js";
import type { TaskAddParameter } from "../../protocol/rest/task.js";
import { BenchService } from "./benchService.js";
import type { Measurement, ScenarioResult } from "./report.js";

const PARALLEL_CALLS = 8;

export async function bulkAddScenario(tasks: number, log: (line: string) => void): Promise<ScenarioResult> {
  const measurements: Measurement[] = [];
  const notes: string[] = [];
  let service = await BenchService.start();
  try {
    // No nodes: the tasks stay queued, so this measures accepting them, not running them.
    await service.client.pools.add({ id: "idle", vmSize: "local", targetDedicatedNodes: 0 });
    for (const [mode, concurrency] of [
      ["addtaskcollection, 1 call in flight", 1],
      [`client parallel add, ${PARALLEL_CALLS} calls in flight`, PARALLEL_CALLS],
    ] as const) {
      const jobId = `bulk${concurrency}`;
      await service.client.jobs.add({ id: jobId, poolInfo: { poolId: "idle" } });
      log(`bulk add: ${tasks} tasks, ${mode}`);
      const specs: TaskAddParameter[] = Array.from({ length: tasks }, (_, i) => ({
        id: `task${i}`,
        commandLine: `/bin/echo ${i}`,
      }));
      const begin = preciseNow();
      const results = await service.client.tasks.addMany(jobId, specs, { concurrency });
      const seconds = (preciseNow() - begin) / 1000;
      const refused = results.filter((r) => r.status !== "success").length;
      if (refused > 0) notes.push(`${mode}: ${refused} tasks were refused`);
      measurements.push({ system: "openbatch", metric: mode, value: tasks / seconds, unit: "tasks/s" });
    }
    log("bulk add: SIGKILL the service, restart it, count the tasks");
    await service.stop("SIGKILL");
    service = await BenchService.start({ dataDir: service.dataDir, port: service.port });
    const kept = await Promise.all(
      [1, PARALLEL_CALLS].map(
        async (c) => (await service.client.jobs.getTaskCounts(`bulk${c}`)).taskCounts.active,
      ),
    );
    const lost = 2 * tasks - kept.reduce((a, b) => a + b, 0);
    measurements.push({ system: "openbatch", metric: "tasks lost to kill -9", value: lost, unit: "tasks" });
    const best = Math.max(...measurements.filter((m) => m.unit === "tasks/s").map((m) => m.value));
    return {
      id: "3",
      title: "Bulk add",
      workload: `${tasks.toLocaleString("en-US")} tasks into one job (a pool with no nodes, so nothing runs), then kill -9 and restart`,
      concurrency: `1 and ${PARALLEL_CALLS} addtaskcollection calls of 100 in flight`,
      measurements,
      targets: [
        {
          name: "tasks/s accepted durably",
          actual: best,
          goal: 20_000,
          direction: "at least",
          unit: "tasks/s",
        },
        { name: "tasks lost to kill -9", actual: lost, goal: 0, direction: "at most", unit: "tasks" },
      ],
      notes,
    };
  } finally {
    await service.dispose();
  }
}
