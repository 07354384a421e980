/** The implementation behind `Pool` (pool.ts), loaded inside the dynamic-provider plugin. The id is the pool id. */
import type * as pulumi from "@pulumi/pulumi";
import { type BatchClient, BatchRequestError } from "../../client/index.js";
import type { Pool, PoolEnableAutoScaleParameter } from "../../protocol/rest/pool.js";
import { clientFor, connectionOf, unlessGone } from "./connection.js";
import { until } from "./polling.js";
import type { PoolInputs, PoolOutputs } from "./pool.js";
import { waitForNodes, waitUntilPoolGone, waitUntilSteady } from "./poolNodes.js";
import {
  checkPool,
  DEFAULT_EVALUATION_INTERVAL,
  poolAddParameter,
  poolChangeEffects,
  poolInputsFromService,
  poolTargets,
  poolUpdateProperties,
} from "./poolSpec.js";
import { changedInputs, diffByTable, withoutUndefined } from "./propertyDiff.js";

class PoolProvider implements pulumi.dynamic.ResourceProvider<PoolInputs, PoolOutputs> {
  async check(_olds: PoolInputs, news: PoolInputs) {
    return checkPool(news);
  }

  async diff(_id: string, olds: PoolOutputs, news: PoolInputs) {
    return diffByTable(olds, news, poolChangeEffects);
  }

  /** Adds the pool and, with waitForNodes, waits for its nodes; a pool whose nodes fail is deleted again. */
  async create(inputs: PoolInputs): Promise<pulumi.dynamic.CreateResult<PoolOutputs>> {
    const client = clientFor(inputs);
    await client.pools.add(poolAddParameter(inputs));
    if (inputs.waitForNodes) {
      try {
        await waitForNodes(client, inputs.poolName, inputs.scaleSettings?.fixedScale?.resizeTimeout);
      } catch (error) {
        await client.pools.delete(inputs.poolName);
        await waitUntilPoolGone(client, inputs.poolName);
        throw error;
      }
    }
    return {
      id: inputs.poolName,
      outs: await outputs(client, inputs, await client.pools.get(inputs.poolName)),
    };
  }

  /** Start task and metadata through updateproperties, target counts through resize. */
  async update(
    id: string,
    olds: PoolOutputs,
    news: PoolInputs,
  ): Promise<pulumi.dynamic.UpdateResult<PoolOutputs>> {
    const client = clientFor(news);
    const changed = changedInputs(olds, news, poolChangeEffects);
    if (changed.includes("startTask") || changed.includes("metadata"))
      await client.pools.updateProperties(id, poolUpdateProperties(news));
    if (changed.includes("scaleSettings")) await rescale(client, id, olds, news);
    if (news.waitForNodes) await waitForNodes(client, id, news.scaleSettings?.fixedScale?.resizeTimeout);
    return { outs: await outputs(client, news, await client.pools.get(id)) };
  }

  /** No id when the pool is gone (or being deleted), so that the engine drops it. */
  async read(id: string, props?: PoolOutputs): Promise<pulumi.dynamic.ReadResult> {
    const client = clientFor(props);
    const answer = await unlessGone(client.pools.get(id), "PoolNotFound");
    if (!answer.found || answer.value.state === "deleting") return {};
    const pool = answer.value;
    const inputs = poolInputsFromService(
      pool,
      connectionOf(client, props),
      props?.poolName ? props : undefined,
    );
    return { id, props: await outputs(client, inputs, pool), inputs };
  }

  /** Returns once the pool is gone: its nodes released and their agents stopped. */
  async delete(id: string, props: PoolOutputs): Promise<void> {
    const client = clientFor(props);
    if ((await unlessGone(client.pools.delete(id), "PoolNotFound")).found)
      await waitUntilPoolGone(client, id);
  }
}

/**
 * A fixed size is a resize; a formula is enableautoscale (which also changes one already there);
 * leaving a formula for a fixed size disables autoscale first.
 */
async function rescale(client: BatchClient, id: string, olds: PoolOutputs, news: PoolInputs): Promise<void> {
  const autoScale = news.scaleSettings?.autoScale;
  if (autoScale) {
    if (!olds.scaleSettings?.autoScale) await waitUntilSteady(client, id);
    await enableAutoScale(client, id, {
      autoScaleFormula: autoScale.formula,
      autoScaleEvaluationInterval: autoScale.evaluationInterval ?? DEFAULT_EVALUATION_INTERVAL,
    });
    return;
  }
  if (olds.scaleSettings?.autoScale) await client.pools.disableAutoScale(id);
  await waitUntilSteady(client, id);
  const fixed = news.scaleSettings?.fixedScale;
  await client.pools.resize(
    id,
    withoutUndefined({
      ...poolTargets(news),
      resizeTimeout: fixed?.resizeTimeout,
      nodeDeallocationOption: fixed?.nodeDeallocationOption,
    }),
  );
}

/**
 * The service (as Azure) refuses a second enable within the pool's sample period: two `pulumi up`s in
 * quick succession wait that out instead of failing.
 */
async function enableAutoScale(
  client: BatchClient,
  id: string,
  params: PoolEnableAutoScaleParameter,
): Promise<void> {
  await until(`Autoscale on pool ${id} could not be enabled within 60 s.`, 60_000, async () => {
    try {
      await client.pools.enableAutoScale(id, params);
      return true;
    } catch (error) {
      if (error instanceof BatchRequestError && error.code === "AutoScaleTooManyRequestsToEnable")
        return false;
      throw error;
    }
  });
}

/** The inputs, the pool's node counts and creation time, and its join token (for cloud components). */
async function outputs(client: BatchClient, inputs: PoolInputs, pool: Pool): Promise<PoolOutputs> {
  const { joinToken } = await client.pools.getJoinInfo(pool.id);
  return withoutUndefined({
    ...inputs,
    currentDedicatedNodes: pool.currentDedicatedNodes,
    currentLowPriorityNodes: pool.currentLowPriorityNodes,
    creationTime: pool.creationTime,
    joinToken,
  });
}

export const provider = new PoolProvider();
