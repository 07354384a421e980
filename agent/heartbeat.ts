/**
 * Sends a `heartbeat` every `heartbeatIntervalMs` (from `registered`) with the latest health sample and
 * the dispatches still running. The first one goes out at once so the service sees the node promptly.
 */
import type { Health, OutgoingAgentMessage } from "../protocol/agent.js";

export interface HeartbeatSource {
  health: () => Health;
  runningDispatchIds: () => string[];
  send: (message: OutgoingAgentMessage) => void;
}

export class Heartbeat {
  readonly #source: HeartbeatSource;
  #timer: NodeJS.Timeout | undefined;

  constructor(source: HeartbeatSource) {
    this.#source = source;
  }

  start(intervalMs: number): void {
    this.stop();
    this.#beat();
    this.#timer = setInterval(() => this.#beat(), intervalMs);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #beat(): void {
    this.#source.send({
      type: "heartbeat",
      health: this.#source.health(),
      runningDispatchIds: this.#source.runningDispatchIds(),
    });
  }
}
