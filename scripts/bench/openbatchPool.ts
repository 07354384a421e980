/** A local pool of the service under test, ready to run tasks: all nodes idle. */
import { collect } from "../../client/index.js";
import type { BenchService } from "./benchService.js";
import { waitUntil } from "./benchService.js";

export async function idlePool(service: BenchService, poolId: string, nodes: number, slotsPerNode: number) {
  const { client } = service;
  await client.pools.add({
    id: poolId,
    vmSize: "local",
    targetDedicatedNodes: nodes,
    taskSlotsPerNode: slotsPerNode,
  });
  await waitUntil(`${nodes} idle nodes in ${poolId}`, async () => {
    const list = await collect(client.nodes.list(poolId));
    return list.length === nodes && list.every((n) => n.state === "idle");
  });
}

/** Resolves once every task of `jobId` has completed; `total` is how many were added. */
export async function allCompleted(service: BenchService, jobId: string, total: number, timeoutMs = 600_000) {
  await waitUntil(
    `${total} tasks of ${jobId} to complete`,
    async () => (await service.client.jobs.getTaskCounts(jobId)).taskCounts.completed >= total,
    timeoutMs,
    10,
  );
}
