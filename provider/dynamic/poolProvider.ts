/** The implementation behind `Pool` (pool.ts), loaded inside the dynamic-provider plugin. The id is the pool id. */
import type * as pulumi from "@pulumi/pulumi";
import type { Pool } from "../../protocol/rest/pool.js";
import { clientFor, connectionOf, unlessGone } from "./connection.js";
import type { PoolInputs, PoolOutputs } from "./pool.js";
import { waitForNodes, waitUntilPoolGone, waitUntilSteady } from "./poolNodes.js";
import {
  checkPool,
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
    return { id: inputs.poolName, outs: outputs(inputs, await client.pools.get(inputs.poolName)) };
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
    if (changed.includes("scaleSettings")) {
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
    if (news.waitForNodes) await waitForNodes(client, id, news.scaleSettings?.fixedScale?.resizeTimeout);
    return { outs: outputs(news, await client.pools.get(id)) };
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
    return { id, props: outputs(inputs, pool), inputs };
  }

  /** Returns once the pool is gone: its nodes released and their agents stopped. */
  async delete(id: string, props: PoolOutputs): Promise<void> {
    const client = clientFor(props);
    if ((await unlessGone(client.pools.delete(id), "PoolNotFound")).found)
      await waitUntilPoolGone(client, id);
  }
}

function outputs(inputs: PoolInputs, pool: Pool): PoolOutputs {
  return withoutUndefined({
    ...inputs,
    currentDedicatedNodes: pool.currentDedicatedNodes,
    currentLowPriorityNodes: pool.currentLowPriorityNodes,
    creationTime: pool.creationTime,
  });
}

export const provider = new PoolProvider();
