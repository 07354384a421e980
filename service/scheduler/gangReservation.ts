/**
 * The nodes a multi-instance task holds while it waits for all of its instances (gang scheduling).
 * A pool has at most one: the first multi-instance task the scheduler's pass meets at the head of a
 * job queue. Its nodes are not given to any other task, so two multi-instance tasks never deadlock
 * each holding half of what they need, and once a multi-instance task leads the queue, single-node
 * tasks behind it cannot take the nodes it waits for.
 */
import type { NodeFillType } from "../../protocol/states.js";
import type { PoolSlots } from "./nodeSlots.js";

export class GangReservation {
  /** Nodes held so far, one slot-set each, in the order they were taken (the first is the primary's). */
  readonly held: string[] = [];

  constructor(
    readonly jobId: string,
    readonly taskId: string,
    readonly instances: number,
    readonly slots: number,
  ) {}

  get complete(): boolean {
    return this.held.length >= this.instances;
  }

  /** Takes free nodes (one per instance, never one twice) until complete; returns whether it took any. */
  fill(pool: PoolSlots, fill: NodeFillType, excluded: ReadonlySet<string> | undefined): boolean {
    let took = false;
    while (!this.complete) {
      const skip = new Set(this.held);
      for (const nodeId of excluded ?? []) skip.add(nodeId);
      const nodeId = pool.pick(this.slots, fill, skip);
      if (!nodeId) break;
      pool.use(nodeId, this.slots);
      this.held.push(nodeId);
      took = true;
    }
    return took;
  }

  /** Gives a held node back (it left the pool or may no longer run tasks). */
  drop(pool: PoolSlots, nodeId: string): void {
    const at = this.held.indexOf(nodeId);
    if (at < 0) return;
    this.held.splice(at, 1);
    pool.release(nodeId, this.slots);
  }

  /** Gives every held node back. */
  releaseAll(pool: PoolSlots): void {
    for (const nodeId of this.held) pool.release(nodeId, this.slots);
    this.held.length = 0;
  }
}
