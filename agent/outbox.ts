/**
 * Reports the service must not miss (`taskStarted`, `taskCompleted`) wait here until the service acks
 * them, in the order they were made. The outbox lives in `<root>/.agent/outbox.jsonl`, one message per
 * line, so a restarted agent still delivers completions: adding appends a line, an ack rewrites the
 * file with what is left (an empty outbox is an empty file).
 */
import { existsSync, readFileSync } from "node:fs";
import type { AgentMessage, TaskCompletedMessage } from "../protocol/agent.js";
import { appendToFile, writeFileAtomic } from "./atomicFile.js";
import type { Log } from "./log.js";

export class Outbox {
  readonly #path: string;
  readonly #pending = new Map<string, AgentMessage>();

  constructor(path: string, log: Log) {
    this.#path = path;
    if (!existsSync(path)) return;
    for (const line of readFileSync(path, "utf8").split("\n")) {
      if (line.trim() === "") continue;
      try {
        const message = JSON.parse(line) as AgentMessage;
        this.#pending.set(message.requestId, message);
      } catch {
        // Only the last line can be torn (a crash while appending); that report was never acked or sent.
        log.warn(`outbox: dropping an unreadable line in ${path}`);
      }
    }
  }

  /** Messages not yet acked, oldest first. */
  get messages(): AgentMessage[] {
    return [...this.#pending.values()];
  }

  get size(): number {
    return this.#pending.size;
  }

  add(message: AgentMessage): void {
    appendToFile(this.#path, `${JSON.stringify(message)}\n`);
    this.#pending.set(message.requestId, message);
  }

  /** Removes the message `requestId` names; `false` when it is not (or no longer) in the outbox. */
  ack(requestId: string): boolean {
    if (!this.#pending.delete(requestId)) return false;
    writeFileAtomic(this.#path, this.messages.map((m) => `${JSON.stringify(m)}\n`).join(""));
    return true;
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
