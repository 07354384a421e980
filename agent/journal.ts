/**
 * A map of JSON values kept on disk as an append-only journal, one line per change: the whole value
 * when one is set, `{"<removalField>":"<key>"}` when one is removed. The file stays open for the
 * agent's life, so a change costs one write(2) instead of an open, write, close and rename — the
 * agent's state files cost it more per task than the spawn did.
 *
 * The agent may be killed at any moment (no fsync; atomicFile.ts says why):
 * - A set is written before `set` returns. A kill mid-write leaves a torn last line, which replay
 *   skips: the caller never got past that set.
 * - Removals are written at the end of the event-loop turn, all of that turn's in one write. A kill
 *   before then brings those values back, which the callers tolerate (a lost ack re-sends a report).
 * - Opening replays the file, then rewrites it with the live values (temporary sibling, rename), so a
 *   torn tail never merges with the next line. The same compaction runs when dead lines dominate; an
 *   empty map just truncates the file.
 */
import { closeSync, constants, ftruncateSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import type { Log } from "./log.js";

/** Compact when the file holds more lines than this many per live value, plus `COMPACT_SLACK`. */
const LINES_PER_VALUE = 4;
const COMPACT_SLACK = 1000;

const CREATE_FOR_APPEND = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_APPEND;

export interface JournalOptions<V> {
  path: string;
  log: Log;
  /** The key a value is stored under; unique among live values. */
  keyOf: (value: V) => string;
  /** The field of a removal line, e.g. `ack` for `{"ack":"<key>"}`. */
  removalField: string;
}

export class Journal<V> {
  readonly #options: JournalOptions<V>;
  /** The live values, in the order they were first set (a later set keeps the place). */
  readonly #values = new Map<string, V>();
  #fd: number;
  /** Lines in the file, live or not. */
  #lines = 0;
  /** Removal lines not written yet, see the header. */
  #removals: string[] = [];

  constructor(options: JournalOptions<V>) {
    this.#options = options;
    this.#replay();
    this.#fd = this.#rewrite();
  }

  get size(): number {
    return this.#values.size;
  }

  get(key: string): V | undefined {
    return this.#values.get(key);
  }

  /** Live values, oldest first. */
  values(): IterableIterator<V> {
    return this.#values.values();
  }

  set(value: V): void {
    this.#values.set(this.#options.keyOf(value), value);
    this.#write(`${JSON.stringify(value)}\n`);
  }

  /** Removes `key`'s value; `false` when there is none. */
  delete(key: string): boolean {
    if (!this.#values.delete(key)) return false;
    if (this.#removals.length === 0) setImmediate(() => this.#write(""));
    this.#removals.push(`${JSON.stringify({ [this.#options.removalField]: key })}\n`);
    return true;
  }

  /** Appends the pending removals and `line` in one write, or compacts when that is as cheap or due. */
  #write(line: string): void {
    const text = this.#removals.join("") + line;
    if (text === "") return;
    this.#lines += this.#removals.length + (line === "" ? 0 : 1);
    this.#removals = [];
    if (this.#values.size === 0) {
      ftruncateSync(this.#fd, 0);
      this.#lines = 0;
    } else if (this.#lines > LINES_PER_VALUE * this.#values.size + COMPACT_SLACK) {
      const fd = this.#rewrite();
      closeSync(this.#fd);
      this.#fd = fd;
    } else {
      writeFully(this.#fd, text);
    }
  }

  /** Writes the live values to a new file, renames it over the journal, returns it open for appending. */
  #rewrite(): number {
    const { path } = this.#options;
    const temporary = `${path}.${process.pid}.tmp`;
    const fd = openSync(temporary, CREATE_FOR_APPEND, 0o600);
    writeFully(fd, [...this.#values.values()].map((value) => `${JSON.stringify(value)}\n`).join(""));
    renameSync(temporary, path);
    this.#lines = this.#values.size;
    return fd;
  }

  #replay(): void {
    const { path, log } = this.#options;
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    text.split("\n").forEach((line, index) => {
      if (line !== "" && !this.#apply(line)) {
        // A crash mid-write tears the last line; an unreadable line elsewhere means outside damage.
        log.warn(`journal: skipping unreadable line ${index + 1} of ${path}`);
      }
    });
  }

  #apply(line: string): boolean {
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      return false;
    }
    if (typeof entry !== "object" || entry === null) return false;
    const removed = (entry as Record<string, unknown>)[this.#options.removalField];
    if (typeof removed === "string" && Object.keys(entry).length === 1) {
      this.#values.delete(removed);
      return true;
    }
    let key: unknown;
    try {
      key = this.#options.keyOf(entry as V);
    } catch {
      return false;
    }
    if (typeof key !== "string") return false;
    this.#values.set(key, entry as V);
    return true;
  }
}

/** write(2) may write less than asked; the rest follows, or the error that stopped it is thrown. */
function writeFully(fd: number, text: string): void {
  const buffer = Buffer.from(text);
  for (let offset = 0; offset < buffer.length; ) offset += writeSync(fd, buffer, offset);
}
