/**
 * Holds writes to agent connections until the end of the event-loop turn, so that every frame sent to
 * one agent in a turn (a dispatch, the acks of the last task's reports, a heartbeat ack) leaves in one
 * `writev`. With thousands of agents the system calls, not the bytes, are what sending costs: ws
 * writes each frame on its own, and a system call costs tens of µs under gVisor.
 */
import type { Writable } from "node:stream";

export class TurnCork {
  private corked = new Set<Writable>();
  private flushScheduled = false;

  /** Corks `socket` (once per turn); everything written to it is sent when the turn ends. */
  hold(socket: Writable): void {
    if (this.corked.has(socket)) return;
    socket.cork();
    this.corked.add(socket);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // An immediate runs after the turn's I/O callbacks and microtasks, and keeps the loop from blocking in between.
    setImmediate(() => this.flush());
  }

  private flush(): void {
    const sockets = this.corked;
    this.corked = new Set();
    this.flushScheduled = false;
    for (const socket of sockets) socket.uncork();
  }
}
