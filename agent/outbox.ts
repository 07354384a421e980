/**
 * Reports the service must not miss (`taskStarted`, `taskCompleted`) wait here until the service acks
 * them, in the order they were made. The outbox is the journal `<root>/.agent/outbox.jsonl`: adding
 * appends the message, an ack appends `{"ack":"<requestId>"}`, so a restarted agent still delivers
 * what was not acked, in order and with the original request ids (an empty outbox is an empty file).
 */
import type { AgentMessage, TaskCompletedMessage } from "../protocol/agent.js";
import { Journal } from "./journal.js";
import type { Log } from "./log.js";

export class Outbox {
  readonly #journal: Journal<AgentMessage>;

  constructor(path: string, log: Log) {
    this.#journal = new Journal({ path, log, keyOf: (message) => message.requestId, removalField: "ack" });
  }

  /** Messages not yet acked, oldest first. */
  get messages(): AgentMessage[] {
    return [...this.#journal.values()];
  }

  get size(): number {
    return this.#journal.size;
  }

  add(message: AgentMessage): void {
    this.#journal.set(message);
  }

  /** Removes the message `requestId` names; `false` when it is not (or no longer) in the outbox. */
  ack(requestId: string): boolean {
    return this.#journal.delete(requestId);
  }

  /** Dispatches whose `taskCompleted` waits for an ack (named in `register`). */
  unackedDispatchIds(): string[] {
    return this.messages.flatMap((m) => (m.type === "taskCompleted" ? [m.dispatchId] : []));
  }

  /** The `taskCompleted` for `dispatchId` that still waits for its ack, if any. */
  pendingCompletion(dispatchId: string): TaskCompletedMessage | undefined {
    return this.messages.find(
      (m): m is TaskCompletedMessage => m.type === "taskCompleted" && m.dispatchId === dispatchId,
    );
  }
}
