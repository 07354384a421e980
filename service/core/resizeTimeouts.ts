/**
 * A pool's `resizeTimeout`: a resize (the initial sizing, a resize, a removal of nodes) that is still
 * under way that long after it began stops where it is, with a resize error `AllocationTimedOut`
 * (PoolCommands.timeOutResize). On local machines growth is immediate, so what times out is a removal
 * that waits for running tasks (`taskcompletion`, `retaineddata`). Autoscaled pools have none, as in
 * Azure. One timer per resizing pool, armed again at start-up.
 */
import { parseDuration } from "../../protocol/duration.js";
import type { Account } from "./account.js";
import type { PoolRecord } from "./records.js";
import { TimerPerKey } from "./timerPerKey.js";

export class ResizeTimeouts {
  private readonly timers = new TimerPerKey((poolId) => this.expire(poolId));

  constructor(private readonly account: Account) {}

  /** Arms the timer of the pool's current resize (or clears it when the pool is not resizing by hand). */
  arm(pool: PoolRecord): void {
    const deadline = deadlineOf(pool);
    if (deadline === undefined) this.timers.clear(pool.id);
    else this.timers.at(pool.id, deadline);
  }

  start(): void {
    for (const pool of this.account.pools.all()) this.arm(pool);
  }

  stop(): void {
    this.timers.clearAll();
  }

  private expire(poolId: string): void {
    const pool = this.account.store.getPool(poolId);
    if (!pool) return;
    const deadline = deadlineOf(pool);
    if (deadline === undefined) return;
    // A newer resize began meanwhile: it has its own deadline.
    if (deadline > Date.now()) this.timers.at(poolId, deadline);
    else this.account.pools.timeOutResize(pool);
  }
}

function deadlineOf(pool: PoolRecord): number | undefined {
  if (pool.allocationState !== "resizing" || pool.autoScale || pool.state === "deleting") return undefined;
  const timeout = parseDuration(pool.resizeTimeout);
  return timeout === undefined ? undefined : Date.parse(pool.allocationStateTransitionTime) + timeout;
}
