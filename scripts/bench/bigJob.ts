/**
 * Scenario 5, big job: N tasks added to one job, then listed page by page (`maxresults=1000`,
 * following `odata.nextLink`) to the end; time for each, and the service's peak RSS.
 */
import { preciseNow } from "../../protocol/clock.js";
import type { TaskAddParameter } from "../../protocol/rest/task.js";
import { BenchService } from "./benchService.js";
import type { ScenarioResult } from "./report.js";

const ADD_CALLS_IN_FLIGHT = 8;
/** Tasks built and added per round, so the bench itself does not hold a million specs at once. */
const ROUND = 50_000;

export async function bigJobScenario(tasks: number, log: (line: string) => void): Promise<ScenarioResult> {
  const service = await BenchService.start();
  const { client } = service;
  try {
    await client.pools.add({ id: "idle", vmSize: "local", targetDedicatedNodes: 0 });
    await client.jobs.add({ id: "big", poolInfo: { poolId: "idle" } });
    const addBegin = preciseNow();
    for (let first = 0; first < tasks; first += ROUND) {
      const count = Math.min(ROUND, tasks - first);
      const specs: TaskAddParameter[] = Array.from({ length: count }, (_, i) => ({
        id: `task${first + i}`,
        commandLine: `/bin/echo ${first + i}`,
      }));
      await client.tasks.addMany("big", specs, { concurrency: ADD_CALLS_IN_FLIGHT });
      log(`big job: ${first + count} of ${tasks} added, service RSS ${service.rssMiB().toFixed(0)} MiB`);
    }
    const addSeconds = (preciseNow() - addBegin) / 1000;
    const rssAfterAdd = service.peakRssMiB();

    const listBegin = preciseNow();
    let listed = 0;
    for await (const _ of client.tasks.list("big", { maxResults: 1000 })) {
      listed++;
      if (listed % 200_000 === 0) log(`big job: ${listed} listed`);
    }
    const listSeconds = (preciseNow() - listBegin) / 1000;
    const peak = service.peakRssMiB();
    return {
      id: "5",
      title: "Big job",
      workload: `${tasks.toLocaleString("en-US")} tasks added to one job (no nodes), then listed with maxresults=1000`,
      concurrency: `${ADD_CALLS_IN_FLIGHT} addtaskcollection calls in flight; one list request at a time`,
      measurements: [
        {
          system: "openbatch",
          metric: "add",
          value: addSeconds,
          unit: "s",
          note: `${(tasks / addSeconds).toFixed(0)} tasks/s`,
        },
        {
          system: "openbatch",
          metric: "list all pages",
          value: listSeconds,
          unit: "s",
          note: `${listed} tasks listed`,
        },
        { system: "openbatch", metric: "peak RSS after add", value: rssAfterAdd, unit: "MiB" },
        { system: "openbatch", metric: "peak RSS", value: peak, unit: "MiB" },
      ],
      targets: [
        { name: "service peak RSS", actual: peak, goal: 2048, direction: "at most", unit: "MiB" },
        { name: "tasks listed", actual: listed, goal: tasks, direction: "at least", unit: "tasks" },
      ],
      notes: [],
    };
  } finally {
    await service.dispose();
  }
}
