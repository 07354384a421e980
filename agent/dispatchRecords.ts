/**
 * What the agent knows about each dispatch it accepted, kept in `<root>/.agent/dispatches/<id>.json`,
 * so that a restarted agent can tell which tasks are still running (and adopt them), which died while
 * it was down, and which finished (a duplicate dispatch of those re-sends the completion).
 */
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { DispatchMessage, TaskCompletedMessage } from "../protocol/agent.js";
import { writeFileAtomic } from "./atomicFile.js";
import type { Log } from "./log.js";

export type TaskCompletion = Omit<TaskCompletedMessage, "protocolVersion" | "requestId">;

export interface DispatchRecord {
  dispatch: DispatchMessage;
  state: "running" | "completed";
  pid?: number;
  /** The process's start time from /proc, to tell it from a later process that reuses the pid. */
  processStartTicks?: string;
  startTime?: string;
  completion?: TaskCompletion;
}

export class DispatchRecords {
  readonly #directory: string;
  readonly #log: Log;

  constructor(directory: string, log: Log) {
    this.#directory = directory;
    this.#log = log;
    mkdirSync(directory, { recursive: true });
  }

  save(record: DispatchRecord): void {
    writeFileAtomic(this.#pathOf(record.dispatch.dispatchId), JSON.stringify(record));
  }

  load(dispatchId: string): DispatchRecord | undefined {
    try {
      return JSON.parse(readFileSync(this.#pathOf(dispatchId), "utf8")) as DispatchRecord;
    } catch {
      return undefined;
    }
  }

  loadAll(): DispatchRecord[] {
    const records: DispatchRecord[] = [];
    for (const name of readdirSync(this.#directory)) {
      if (!name.endsWith(".json")) continue;
      try {
        records.push(JSON.parse(readFileSync(join(this.#directory, name), "utf8")) as DispatchRecord);
      } catch (error) {
        this.#log.warn(`dispatch records: ignoring unreadable ${name}: ${String(error)}`);
      }
    }
    return records;
  }

  #pathOf(dispatchId: string): string {
    // Dispatch ids come from the service; encoding keeps any id a plain file name inside the directory.
    return join(this.#directory, `${encodeURIComponent(dispatchId)}.json`);
  }
}
