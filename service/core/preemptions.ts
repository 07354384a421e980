/**
 * Preemption of low-priority (Spot) nodes, as Azure Batch documents it: the node's "VM" is taken away
 * (its agent is stopped), the node goes `preempted` and stays in its pool (counted in
 * `currentLowPriorityNodes` and as preempted in node counts), its running tasks are requeued without
 * counting a retry, and later the pool gets the node back: a fresh machine (empty node directories)
 * starts under the same node id, as Azure restores an evicted Spot VM, and the start task and every
 * job's preparation task run there again.
 *
 * On a local account preemption comes on command (`POST /openbatch/pools/{pool}/nodes/{node}/preempt`)
 * or at random, at `ratePerHour` preemptions per hour across the account's live low-priority nodes
 * (a Poisson process drawn from a seeded generator, so that a run can be repeated).
 */
import { BatchError } from "../../protocol/errors.js";
import type { Account } from "./account.js";
import type { NodeRecord } from "./records.js";
import { moveNode } from "./stateChange.js";
import { canTransition } from "./stateMachine.js";
import { nodeStateTable } from "./stateTables.js";
import { now } from "./time.js";
import { TimerPerKey } from "./timerPerKey.js";

export interface PreemptionConfig {
  /** Random preemptions per hour across the account's low-priority nodes; 0 turns them off. */
  ratePerHour: number;
  /** Seed of the generator that draws the random preemptions' times and nodes. */
  seed: number;
  /** How long a preempted node waits before its machine comes back. */
  restoreAfterMs: number;
}

/** On command only; a preempted node comes back after a minute. */
export const DEFAULT_PREEMPTION: PreemptionConfig = { ratePerHour: 0, seed: 1, restoreAfterMs: 60_000 };

/** A node can be preempted while its machine runs and no machine operation is under way (stateTables.ts). */
function preemptible(node: NodeRecord): boolean {
  return (
    !node.removal && node.state !== "preempted" && canTransition(nodeStateTable, node.state, "preempted")
  );
}

/** Key of the account-wide timer of random preemptions among the per-node restore timers. */
const RANDOM_PREEMPTION = "";

export class Preemptions {
  /** Per `pool/node`: when its machine comes back; plus the next random preemption. */
  private readonly timers = new TimerPerKey((key) => this.fire(key));
  private readonly random: () => number;
  /**
   * Per `pool/node`: the preempted machine's stop, until it is done. A restore waits for it: were the
   * node `starting` while its old agent still shut down, that agent's farewell would make it `unknown`.
   */
  private readonly stopping = new Map<string, Promise<void>>();

  constructor(
    private readonly account: Account,
    private readonly config: PreemptionConfig,
  ) {
    this.random = seededRandom(config.seed);
  }

  /** Preempts a low-priority node now: its tasks are requeued, its machine stops, and it comes back later. */
  preempt(poolId: string, nodeId: string): void {
    const { pool, node } = this.account.nodes.get(poolId, nodeId);
    if (!this.account.machines.preempt || !this.account.machines.reimage)
      throw new BatchError(
        "UnsupportedOperation",
        `Node ${nodeId} runs on a machine this service cannot take away (a cloud or external machine); only local pools' low-priority nodes can be preempted on command.`,
      );
    if (node.isDedicated)
      throw new BatchError(
        "OperationNotValidOnNode",
        `Node ${nodeId} is a dedicated node; only low-priority (Spot) nodes are preempted. Give the pool targetLowPriorityNodes to have some.`,
      );
    if (!preemptible(node))
      throw new BatchError(
        "OperationNotValidOnNode",
        `Node ${nodeId} is ${node.removal ? "leaving the pool" : node.state}; a node can be preempted while its machine runs (not while it is created, rebooted, reimaged, preempted or leaving).`,
      );
    // The machine is gone: a reboot or reimage it was waiting for will not happen.
    node.rebootPending = undefined;
    node.reimagePending = undefined;
    this.account.pools.endRuns(pool, node, "requeue", `The task's node ${nodeId} was preempted.`);
    node.startTaskDispatchId = undefined;
    moveNode(node, "preempted");
    this.account.store.putNode(node);
    this.account.nodes.updateEligibility(node);
    const stopped = this.account.machines.preempt(node).catch((error: unknown) => {
      node.errors = [
        { code: "PreemptionFailed", message: `The preempted node's machine did not stop: ${String(error)}` },
      ];
      this.account.store.putNode(node);
    });
    this.stopping.set(key(node), stopped);
    void stopped.then(() => {
      if (this.stopping.get(key(node)) === stopped) this.stopping.delete(key(node));
    });
    this.timers.at(key(node), Date.now() + this.config.restoreAfterMs);
  }

  /** At start-up: preempted nodes come back when due; random preemptions resume. */
  start(): void {
    for (const pool of this.account.pools.all())
      for (const node of this.account.store.listNodes(pool.id))
        if (node.state === "preempted")
          this.timers.at(key(node), Date.parse(node.stateTransitionTime) + this.config.restoreAfterMs);
    this.armRandomPreemption();
  }

  stop(): void {
    this.timers.clearAll();
  }

  private fire(timerKey: string): void {
    if (timerKey === RANDOM_PREEMPTION) {
      this.preemptRandomNode();
      this.armRandomPreemption();
      return;
    }
    const [poolId, nodeId] = timerKey.split("/") as [string, string];
    const stopping = this.stopping.get(timerKey);
    if (stopping) void stopping.then(() => this.restore(poolId, nodeId));
    else this.restore(poolId, nodeId);
  }

  /** The pool gets its node back: a fresh machine under the same node id, `starting` until its agent registers. */
  private restore(poolId: string, nodeId: string): void {
    const pool = this.account.store.getPool(poolId);
    const node = this.account.store.getNode(poolId, nodeId);
    if (!pool || pool.state === "deleting" || !node || node.state !== "preempted" || node.removal) return;
    moveNode(node, "starting");
    // A fresh disk: every job's preparation task runs there again.
    node.reimageTime = now();
    node.startTaskInfo = undefined;
    node.errors = undefined;
    this.account.store.putNode(node);
    this.account.machines.reimage!(pool, node).then(
      () => this.account.store.putNode(node),
      (error: unknown) => {
        node.errors = [
          {
            code: "PreemptedNodeRestoreFailed",
            message: `The node's machine did not come back: ${String(error)}`,
          },
        ];
        this.account.store.putNode(node);
      },
    );
  }

  private preemptRandomNode(): void {
    const candidates = this.account.pools
      .all()
      .filter((pool) => pool.state === "active")
      .flatMap((pool) => this.account.store.listNodes(pool.id))
      .filter((node) => !node.isDedicated && preemptible(node));
    if (candidates.length === 0 || !this.account.machines.preempt) return;
    const victim = candidates[Math.floor(this.random() * candidates.length)]!;
    this.preempt(victim.poolId, victim.id);
  }

  /** The next random preemption, an exponentially distributed wait away (a Poisson process). */
  private armRandomPreemption(): void {
    if (this.config.ratePerHour <= 0) return;
    this.timers.at(
      RANDOM_PREEMPTION,
      Date.now() + nextPreemptionDelayMs(this.config.ratePerHour, this.random),
    );
  }
}

function key(node: NodeRecord): string {
  return `${node.poolId}/${node.id}`;
}

/** The wait before the next event of a Poisson process of `ratePerHour` events per hour. */
export function nextPreemptionDelayMs(ratePerHour: number, random: () => number): number {
  return (-Math.log(1 - random()) / ratePerHour) * 3_600_000;
}

/** mulberry32: a small, fast generator whose sequence a seed fixes; uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
