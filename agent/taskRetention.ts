/**
 * A completed task's directory is deleted once its retention time (constraints.retentionTime) has
 * passed since it ended. A new run of the same task on this node (a retry) cancels the pending
 * deletion. After an agent restart, the completed runs it still has records of are scheduled again.
 * One timer serves every pending deletion: the deadlines wait in order, the earliest armed.
 */
import fs from "node:fs";
import { errorText, type Log } from "./log.js";

/** setTimeout's longest delay; a later deadline is reached in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Deletion {
  taskDir: string;
  at: number;
}

export class TaskRetention {
  /** The deadline that counts for each directory (a cancelled or superseded one is skipped). */
  readonly #deadlines = new Map<string, number>();
  /** Sorted by `at`; usually appended to, as runs end in order and share a retention time. */
  readonly #queue: Deletion[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly log: Log) {}

  /** Deletes `taskDir` at `endTime + retentionMs` (soon, if that has passed). */
  schedule(taskDir: string, endTime: number, retentionMs: number): void {
    const at = endTime + retentionMs;
    this.#deadlines.set(taskDir, at);
    let i = this.#queue.length;
    while (i > 0 && this.#queue[i - 1].at > at) i--;
    this.#queue.splice(i, 0, { taskDir, at });
    if (i === 0) this.#arm();
  }

  /** The task runs again here: its directory is in use. */
  cancel(taskDir: string): void {
    this.#deadlines.delete(taskDir);
  }

  #arm(): void {
    clearTimeout(this.#timer);
    const next = this.#queue[0];
    if (!next) return;
    this.#timer = setTimeout(
      () => this.#deleteDue(),
      Math.max(0, Math.min(next.at - Date.now(), MAX_TIMER_MS)),
    );
    this.#timer.unref();
  }

  #deleteDue(): void {
    const now = Date.now();
    while (this.#queue.length > 0 && this.#queue[0].at <= now) {
      const { taskDir, at } = this.#queue.shift()!;
      if (this.#deadlines.get(taskDir) !== at) continue;
      this.#deadlines.delete(taskDir);
      fs.rm(taskDir, { recursive: true, force: true }, (error) => {
        if (error) this.log.warn(`retention: could not delete ${taskDir}: ${errorText(error)}`);
        else this.log.info(`retention: deleted ${taskDir}, its retention time having passed`);
      });
    }
    this.#arm();
  }
}
