/**
 * The agent's side of fencing (service/core/lostNodes.ts): the service requeues a node's tasks once
 * it has heard nothing from the agent for `nodeLostAfterMs` plus a margin, so the agent must have
 * ended them by then. Every answer of the service (the `registered` reply, a heartbeat's ack) renews
 * the lease, dated from when the agent *sent* the message answered: an answer read late — the agent
 * was stopped, its event loop stalled — cannot stretch it. The lease runs out `graceMs` before
 * `nodeLostAfterMs`, so that the tasks' SIGTERM→SIGKILL grace ends in time.
 */
export class ServiceLease {
  #lostAfterMs: number | undefined;
  #graceMs = 0;
  #renewedFrom = Date.now();
  #expired = false;
  #timer: NodeJS.Timeout | undefined;
  readonly #onExpired: () => void;

  /** `onExpired` runs once each time the lease runs out (again only after a renewal). */
  constructor(onExpired: () => void) {
    this.#onExpired = onExpired;
  }

  /** From `registered`: undefined means the service never requeues, and the lease never runs out. */
  configure(lostAfterMs: number | undefined, killGraceMs: number): void {
    this.#lostAfterMs = lostAfterMs;
    this.#graceMs = lostAfterMs === undefined ? 0 : Math.min(killGraceMs, Math.floor(lostAfterMs / 2));
    this.#arm();
  }

  /** The grace to give tasks ended because the lease ran out. */
  get graceMs(): number {
    return this.#graceMs;
  }

  /** The service answered a message the agent sent at `sentAt` (epoch ms). */
  renew(sentAt: number): void {
    if (sentAt <= this.#renewedFrom) return;
    this.#renewedFrom = sentAt;
    this.#expired = false;
    this.#arm();
  }

  /** When the lease runs out (epoch ms), or null while the service never requeues. */
  get expiresAt(): number | null {
    return this.#lostAfterMs === undefined ? null : this.#expiresAt;
  }

  /** Has the lease run out (the service may have given this node's tasks to others)? */
  get expired(): boolean {
    return this.#lostAfterMs !== undefined && Date.now() >= this.#expiresAt;
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  get #expiresAt(): number {
    return this.#renewedFrom + (this.#lostAfterMs ?? 0) - this.#graceMs;
  }

  // One timer, re-armed lazily: renewals only move the expiry, the timer checks it when it fires.
  #arm(): void {
    if (this.#lostAfterMs === undefined || this.#expired || this.#timer) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        if (this.expired) {
          this.#expired = true;
          this.#onExpired();
        } else this.#arm();
      },
      Math.max(0, this.#expiresAt - Date.now()),
    );
    this.#timer.unref();
  }
}
