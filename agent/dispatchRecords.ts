/**
 * What the agent knows about each dispatch it accepted, kept in the journal
 * `<root>/.agent/dispatches.jsonl`, so that a restarted agent can tell which tasks are still running
 * (and adopt them), which died while it was down, and which finished (a duplicate dispatch of those
 * re-sends the completion).
 */
import type { DispatchMessage, TaskCompletedMessage } from "../protocol/agent.js";
import { Journal } from "./journal.js";
import type { Log } from "./log.js";

export type TaskCompletion = Omit<TaskCompletedMessage, "protocolVersion" | "requestId">;

export interface DispatchRecord {
  dispatch: DispatchMessage;
  /** `running` from just before the spawn (its process is found by its wrapper's status path). */
  state: "running" | "completed";
  startTime?: string;
  completion?: TaskCompletion;
}

/**
 * Beyond this many records the oldest completed ones are forgotten, as the records live in memory. The
 * service gives every run a new dispatch id, so a duplicate can only be a late copy of a recent one.
 * Running ones are always kept.
 */
const RECORDS_KEPT = 1000;

export class DispatchRecords {
  readonly #journal: Journal<DispatchRecord>;

  constructor(path: string, log: Log) {
    this.#journal = new Journal({
      path,
      log,
      keyOf: (record) => record.dispatch.dispatchId,
      removalField: "removed",
    });
  }

  save(record: DispatchRecord): void {
    this.#journal.set(record);
    if (this.#journal.size > RECORDS_KEPT) this.#forgetOldCompleted();
  }

  load(dispatchId: string): DispatchRecord | undefined {
    return this.#journal.get(dispatchId);
  }

  loadAll(): DispatchRecord[] {
    return [...this.#journal.values()];
  }

  #forgetOldCompleted(): void {
    for (const record of this.#journal.values()) {
      if (this.#journal.size <= RECORDS_KEPT) return;
      if (record.state === "completed") this.#journal.delete(record.dispatch.dispatchId);
    }
  }
}
