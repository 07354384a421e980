/**
 * Group commit on one PostgreSQL connection, for the PostgreSQL store. The writes of one event-loop
 * turn — and of every turn while a commit is in flight — gather in one WriteBatch, which goes out as
 * one transaction when the previous one has committed: at most one commit is on the wire, and the
 * more writes arrive meanwhile, the more each commit carries.
 *
 * A failed commit (lost connection, serialization error) is fatal: the store's mirror is then ahead
 * of the database for good. Pending and later flushes reject, and `onFatal` is called once.
 */
import type pg from "pg";
import { WriteBatch } from "./postgresWrites.js";

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class GroupCommits {
  /** Writes not sent yet, and who waits for their commit. */
  private pending: { batch: WriteBatch; done: Deferred } | undefined;
  /** The commit on the wire, if any. */
  private inFlight: Promise<void> | undefined;
  private fatal: Error | undefined;
  private closing: Deferred | undefined;
  private ending = false;

  /** `schema`: the quoted identifier the batches' tables are in. */
  constructor(
    private readonly client: pg.Client,
    private readonly schema: string,
    private readonly onFatal: ((error: Error) => void) | undefined,
  ) {
    client.on("error", (error) => this.fail(error));
    client.on("end", () => {
      if (!this.closing) this.fail(new Error("the connection to PostgreSQL ended"));
    });
  }

  /** The batch this turn's writes go to; the first write of a turn schedules its commit. */
  batch(): WriteBatch {
    if (this.closing) throw new Error("The PostgreSQL store is closed: it takes no more writes.");
    // Nothing will be committed any more: the mirror goes on serving until the process stops.
    if (this.fatal) return new WriteBatch();
    if (!this.pending) {
      this.pending = { batch: new WriteBatch(), done: deferred() };
      setImmediate(() => this.send());
    }
    return this.pending.batch;
  }

  /** Resolves when the transaction holding every write made so far has committed. */
  flush(): Promise<void> {
    if (this.fatal) return Promise.reject(this.fatal);
    return this.pending?.done.promise ?? this.inFlight ?? Promise.resolve();
  }

  /** Sends what is pending at once, then ends the connection (in the background). */
  close(): void {
    if (this.closing) return;
    this.closing = deferred();
    this.send();
    this.endWhenIdle();
  }

  /** Closes, and resolves once the connection has ended. */
  end(): Promise<void> {
    this.close();
    return this.closing!.promise;
  }

  /** Sends the pending batch unless a commit is in flight (it goes when that one is done). */
  private send(): void {
    if (this.inFlight || !this.pending || this.fatal) return;
    const { batch, done } = this.pending;
    this.pending = undefined;
    this.inFlight = done.promise;
    this.client.query(batch.toSql(this.schema)).then(
      () => {
        this.inFlight = undefined;
        done.resolve();
        this.send();
        this.endWhenIdle();
      },
      (error: Error) => {
        this.inFlight = undefined;
        this.fail(error);
        done.reject(this.fatal!);
        this.endWhenIdle();
      },
    );
  }

  private endWhenIdle(): void {
    if (!this.closing || this.inFlight || this.pending || this.ending) return;
    this.ending = true;
    const closing = this.closing;
    this.client.end().then(closing.resolve, closing.resolve);
  }

  private fail(cause: Error): void {
    // Once closed and idle, the connection going away is expected.
    if (this.fatal || (this.closing && !this.inFlight && !this.pending)) return;
    this.fatal = new Error(
      `The PostgreSQL store failed to commit (${cause.message}); its writes since the last commit are ` +
        "lost and it takes no more: restart the service.",
      { cause },
    );
    this.pending?.done.reject(this.fatal);
    this.pending = undefined;
    this.onFatal?.(this.fatal);
  }
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Nobody may be waiting: a failure is reported through onFatal and later flushes.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}
