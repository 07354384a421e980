/**
 * The cloud provisioners' common part: a pool's machines are the instances of one group in the cloud
 * (an Azure scale set, an AWS Auto Scaling group) named `<prefix><poolId>`, created by Pulumi. The
 * service owns its capacity:
 * - new nodes raise the group's capacity to the pool's count of nodes; the capacity is absolute and
 *   computed when the call is made, so the many calls of one turn become one API call;
 * - a node that leaves removes its own instance (which lowers the capacity by one), or, when no
 *   machine ever registered for it, lowers the capacity by recounting;
 * - calls on one group run one at a time, in order, so a capacity never counts twice an instance
 *   whose removal is under way;
 * - throttling and server errors are retried (retry.ts); an error that persists is logged with what to
 *   fix and becomes an entry of the pool's `resizeErrors`.
 * Each node's instance is known once its agent registers with `--machine-id` (core/nodeClaims.ts).
 */
import type { Machines } from "../core/context.js";
import type { NodeRecord, PoolRecord } from "../core/records.js";
import {
  DEFAULT_RETRY_POLICY,
  describeError,
  RetriesExhausted,
  type RetryClock,
  type RetryPolicy,
  realClock,
  withRetries,
} from "./retry.js";

/** One cloud's calls on a group of instances. */
export interface InstanceGroups {
  /** `Azure` or `AWS`, for log lines. */
  readonly cloud: string;
  /** The group as a person finds it: `scale set openbatch-p1 in resource group rg`. */
  describe(group: string): string;
  /** Makes the group's desired capacity `capacity` (a no-op when it already is). */
  setCapacity(group: string, capacity: number): Promise<void>;
  /** Removes the instance `machineId` from the group and lowers its capacity by one. */
  removeInstance(group: string, machineId: string): Promise<void>;
  /** Restarts the instance `machineId`; absent when the cloud cannot restart an instance of a group. */
  restartInstance?(group: string, machineId: string): Promise<void>;
  /** Throttling and transient server or network errors. */
  retryable(error: unknown): boolean;
  /** What the operator should do about an error that is not retried (permissions, names, quotas). */
  advice(error: unknown, group: string): string;
}

export interface ScaleGroupMachinesOptions {
  groups: InstanceGroups;
  /** The group of pool `p` is `<groupPrefix>p`. */
  groupPrefix: string;
  /** The pool's nodes as the service has them now. */
  nodesOf: (poolId: string) => NodeRecord[];
  /** A cloud call failed for good: the pool's `resizeErrors` get this entry. */
  reportResizeError: (poolId: string, error: { code: string; message: string }) => void;
  log: (line: string) => void;
  retryPolicy?: RetryPolicy;
  clock?: RetryClock;
}

/** The root directory boot scripts give the agent on a cloud machine (`--root`), as node views report it. */
export const CLOUD_NODE_ROOT = "/mnt/openbatch";

export class ScaleGroupMachines implements Machines {
  /** Per pool: the last call queued on its group; the next one starts when it has ended. */
  private readonly tails = new Map<string, Promise<void>>();
  /** Per pool: the capacity call queued and not started yet, which later requests join. */
  private readonly queuedCapacity = new Map<string, Promise<void>>();
  /** Per pool: instance removals queued and not started yet (their instances still count). */
  private readonly queuedRemovals = new Map<string, number>();

  constructor(private readonly options: ScaleGroupMachinesOptions) {}

  get reboots(): boolean {
    return this.options.groups.restartInstance !== undefined;
  }

  groupOf(poolId: string): string {
    return `${this.options.groupPrefix}${poolId}`;
  }

  rootDirectory(): string {
    return CLOUD_NODE_ROOT;
  }

  provision(pool: PoolRecord): void {
    void this.adjustCapacity(pool.id);
  }

  /** Resolves once the instance is gone (or the capacity lowered); a failure is reported, not thrown. */
  release(node: NodeRecord): Promise<void> {
    const { machineId } = node.machine;
    if (machineId === undefined) return this.adjustCapacity(node.poolId);
    this.queuedRemovals.set(node.poolId, (this.queuedRemovals.get(node.poolId) ?? 0) + 1);
    return this.enqueue(node.poolId, async () => {
      this.queuedRemovals.set(node.poolId, (this.queuedRemovals.get(node.poolId) ?? 1) - 1);
      const group = this.groupOf(node.poolId);
      await this.call(
        node.poolId,
        "NodeRemovalFailed",
        `remove instance ${machineId} of node ${node.id}`,
        () => this.options.groups.removeInstance(group, machineId),
      );
    });
  }

  async reboot(pool: PoolRecord, node: NodeRecord): Promise<void> {
    const { groups } = this.options;
    const { machineId } = node.machine;
    if (!groups.restartInstance)
      throw new Error(`${groups.cloud} cannot restart an instance of a group; restart ${machineId} yourself`);
    if (machineId === undefined)
      throw new Error(`node ${node.id} has no machine yet (its agent registered without --machine-id)`);
    const restart = groups.restartInstance.bind(groups);
    const group = this.groupOf(pool.id);
    await this.retried(
      () => restart(group, machineId),
      `restart instance ${machineId} of ${groups.describe(group)}`,
    );
  }

  /** At start-up: the groups' capacities are set again from the service's nodes (drift while it was down). */
  recover(pools: PoolRecord[]): void {
    for (const pool of pools) void this.adjustCapacity(pool.id);
  }

  /**
   * Queues a capacity call for the pool, or joins the one already queued: the count is taken when it
   * starts, in a later turn, so it includes every node created before then.
   */
  private adjustCapacity(poolId: string): Promise<void> {
    const queued = this.queuedCapacity.get(poolId);
    if (queued) return queued;
    const call = this.enqueue(poolId, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      this.queuedCapacity.delete(poolId);
      const capacity = this.desiredCapacity(poolId);
      const group = this.groupOf(poolId);
      await this.call(poolId, "AllocationFailed", `set the capacity to ${capacity}`, () =>
        this.options.groups.setCapacity(group, capacity),
      );
    });
    this.queuedCapacity.set(poolId, call);
    return call;
  }

  /** Every node not leaving has (or will have) an instance; so has every node whose removal is still queued. */
  private desiredCapacity(poolId: string): number {
    const staying = this.options.nodesOf(poolId).filter((n) => n.state !== "leavingpool").length;
    return staying + (this.queuedRemovals.get(poolId) ?? 0);
  }

  private enqueue(poolId: string, call: () => Promise<void>): Promise<void> {
    const next = (this.tails.get(poolId) ?? Promise.resolve()).then(call);
    this.tails.set(poolId, next);
    void next.finally(() => {
      if (this.tails.get(poolId) === next) this.tails.delete(poolId);
    });
    return next;
  }

  /** Runs a cloud call with retries; a failure is logged with advice and reported as a resize error. */
  private async call(
    poolId: string,
    code: string,
    what: string,
    operation: () => Promise<void>,
  ): Promise<void> {
    const { groups, log, reportResizeError } = this.options;
    const group = this.groupOf(poolId);
    try {
      await this.retried(operation, `${what} of ${groups.describe(group)}`);
    } catch (error) {
      const cause = error instanceof RetriesExhausted ? error.cause : error;
      const message =
        `${groups.cloud} could not ${what} of ${groups.describe(group)}` +
        `${error instanceof RetriesExhausted ? ` after ${error.attempts} attempts` : ""}: ` +
        `${describeError(cause)}. ${groups.advice(cause, group)}`;
      log(`pool ${poolId}: ${message}`);
      reportResizeError(poolId, { code, message });
    }
  }

  private retried(operation: () => Promise<void>, what: string): Promise<void> {
    const { groups, log } = this.options;
    return withRetries(operation, (error) => groups.retryable(error), {
      policy: this.options.retryPolicy ?? DEFAULT_RETRY_POLICY,
      clock: this.options.clock ?? realClock,
      onRetry: (error, delayMs) =>
        log(`${groups.cloud}: ${what} failed (${describeError(error)}); retrying in ${delayMs} ms`),
    });
  }
}
