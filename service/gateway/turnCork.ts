/**
 * Holds the frames sent to agent connections until the end of the event-loop turn, then writes each
 * connection's frames at once, so that every frame sent to one agent in a turn (a dispatch, the acks of
 * the last task's reports, a heartbeat ack) leaves in one `writev`. With thousands of agents the system
 * calls, not the bytes, are what sending costs: ws writes each frame on its own, and a system call
 * costs tens of µs under gVisor.
 *
 * Before writing, the store commits what the turn wrote (`Store.committed`): a dispatch must not reach
 * an agent before the record of it would survive the service's death, or a service killed in between
 * forgets the run and dispatches the task again while (or after) the agent runs it. SQLite commits at
 * once and the frames go in the same turn; PostgreSQL's commit is a round trip, and each turn's frames
 * wait for the commit that holds that turn's writes (batches go out in order, and a later turn's
 * frames never hold back an earlier turn's).
 */

/** Where a turn's frames for one agent go. */
export interface FrameTarget {
  writeFrames(frames: string[]): void;
}

export class TurnCork {
  private queued = new Map<FrameTarget, string[]>();
  private flushScheduled = false;

  /** `committed` makes the writes so far survive this process: nothing, or the promise of a commit. */
  constructor(private readonly committed: () => Promise<void> | undefined) {}

  /** Sends `frame` to `target` when the turn ends (and what the turn wrote is committed). */
  send(target: FrameTarget, frame: string): void {
    const frames = this.queued.get(target);
    if (frames) frames.push(frame);
    else this.queued.set(target, [frame]);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // An immediate runs after the turn's I/O callbacks and microtasks, and keeps the loop from blocking in between.
    setImmediate(() => this.flush());
  }

  private flush(): void {
    const batch = this.queued;
    this.queued = new Map();
    this.flushScheduled = false;
    const write = () => {
      for (const [target, frames] of batch) target.writeFrames(frames);
    };
    const commit = this.committed();
    // A failed commit is fatal for the store (the service stops): what it held must not be promised.
    if (commit) commit.then(write, () => {});
    else write();
  }
}
