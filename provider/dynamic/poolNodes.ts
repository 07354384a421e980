/**
 * Waiting for a pool's nodes, for `Pool`'s `waitForNodes`: until the pool is steady with its target
 * node count and every node idle (or already running tasks), failing with the pool's resize errors or
 * a node's start task failure. Progress goes to `pulumi.log.info` ("pool p: 1/3 nodes idle").
 */
import * as pulumi from "@pulumi/pulumi";
import type { BatchClient } from "../../client/index.js";
import { collect } from "../../client/index.js";
import { parseDuration } from "../../protocol/duration.js";
import type { ComputeNode } from "../../protocol/rest/node.js";
import { until } from "./polling.js";

const DEFAULT_TIMEOUT = "PT15M";
const readyStates: ComputeNode["state"][] = ["idle", "running"];
const failedStates: ComputeNode["state"][] = ["starttaskfailed", "unusable"];

export async function waitForNodes(
  client: BatchClient,
  poolId: string,
  resizeTimeout = DEFAULT_TIMEOUT,
): Promise<void> {
  let lastReport = "";
  let lastStates = "no nodes";
  const timedOut = () =>
    `Pool ${poolId} did not get its nodes idle within its resizeTimeout ${resizeTimeout} (${lastReport}; ${lastStates}). ` +
    "Look at its nodes (openbatch node list) or raise scaleSettings.fixedScale.resizeTimeout.";
  const timeoutMs = parseDuration(resizeTimeout) ?? 15 * 60_000;
  await until(timedOut, timeoutMs, async () => {
    const pool = await client.pools.get(poolId);
    if (pool.resizeErrors?.length) {
      const errors = pool.resizeErrors.map((e) => `${e.code}: ${e.message}`).join("; ");
      throw new Error(`Pool ${poolId} could not allocate its nodes: ${errors}`);
    }
    const nodes = await collect(client.nodes.list(poolId));
    // A node that reports errors and is not ready will not become ready by itself: e.g. one whose
    // network namespace could not be made stays `starting` with a NetworkSetupFailed error.
    const failed = nodes.find(
      (node) =>
        failedStates.includes(node.state) || (node.errors?.length && !readyStates.includes(node.state)),
    );
    if (failed) throw new Error(nodeFailure(poolId, failed));
    const target = pool.targetDedicatedNodes + pool.targetLowPriorityNodes;
    const ready = nodes.filter((node) => readyStates.includes(node.state)).length;
    const report = `pool ${poolId}: ${ready}/${target} nodes idle`;
    if (report !== lastReport) {
      pulumi.log.info(report);
      lastReport = report;
    }
    lastStates = nodes.map((n) => `${n.id} ${n.state}`).join(", ") || "no nodes";
    return pool.allocationState === "steady" && nodes.length === target && ready === target;
  });
}

function nodeFailure(poolId: string, node: ComputeNode): string {
  const failure = node.startTaskInfo?.failureInfo;
  if (node.state === "starttaskfailed") {
    const why = failure ? `${failure.code}: ${failure.message}` : `exit code ${node.startTaskInfo?.exitCode}`;
    return `Pool ${poolId}: the start task failed on node ${node.id} (${why}). Fix startTask.commandLine; its output is in the node's startup directory.`;
  }
  const errors = node.errors?.map((e) => `${e.code}: ${e.message}`).join("; ") ?? "no details";
  return `Pool ${poolId}: node ${node.id} is ${node.state} (${errors}).`;
}

/** Until the pool is gone (a delete releases its nodes, stopping their agents, first). */
export function waitUntilPoolGone(client: BatchClient, poolId: string): Promise<void> {
  return until(
    `Pool ${poolId} is still being deleted after 5 minutes.`,
    5 * 60_000,
    async () => !(await client.pools.exists(poolId)),
  );
}

/** Until the pool is `steady`, so that a resize is accepted. */
export function waitUntilSteady(client: BatchClient, poolId: string): Promise<void> {
  return until(
    `Pool ${poolId} is still resizing after 15 minutes.`,
    15 * 60_000,
    async () => (await client.pools.get(poolId)).allocationState === "steady",
  );
}
