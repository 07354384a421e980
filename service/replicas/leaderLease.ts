/**
 * The scheduling lease: a session-level PostgreSQL advisory lock, one per account schema, taken on a
 * session of its own. `pg_advisory_lock` blocks until the lock is free, so a waiting replica becomes
 * leader the moment the holder's session ends: PostgreSQL releases the lock when the session's socket
 * closes, which on loopback (or any live TCP peer) is at once when the holder's process dies.
 *
 * The same session then carries the account store's writes (PostgresStore.open takes the client), so
 * the lease and the writes cannot part: a leader whose session is lost has lost both, its next commit
 * fails and the store's `onFatal` stops it (docs/replicas.md, "Fencing").
 */
import pg from "pg";

/** The advisory lock class of OpenBatch leases (the first key of `pg_advisory_lock(int, int)`). */
export const LEASE_LOCK_CLASS = 0x0b47;

export interface HeldLease {
  /** The session that holds the lock; hand it to PostgresStore.open. */
  client: pg.Client;
  /** The server process of that session, as `pg_locks.pid` shows it (the directory checks it). */
  backendPid: number;
}

/**
 * Waits, for as long as it takes, until this replica holds the lease of `schema`. Rejects when the
 * session fails or `cancel()` was called.
 */
export class LeaderLease {
  #client: pg.Client | undefined;
  #cancelled = false;

  constructor(
    private readonly connectionString: string,
    private readonly schema: string,
  ) {}

  async acquire(): Promise<HeldLease> {
    const client = new pg.Client({ connectionString: this.connectionString, keepAlive: true });
    this.#client = client;
    // A failure of the session while waiting surfaces as the query's rejection below; later ones are
    // the store's to report (its commits fail).
    client.on("error", () => {});
    try {
      await client.connect();
      if (this.#cancelled) throw new Error("the lease was cancelled");
      // A replica killed while it waits must not be granted the lock by a server that has not noticed
      // it is gone: PostgreSQL 14+ checks the waiting client's socket this often.
      await client.query("SET client_connection_check_interval = 500").catch(() => {});
      const { rows } = await client.query<{ pid: number }>(
        "SELECT pg_advisory_lock($1, hashtext($2)), pg_backend_pid() AS pid",
        [LEASE_LOCK_CLASS, this.schema],
      );
      // From here the session is the caller's (the store's): cancel() must not end it.
      this.#client = undefined;
      return { client, backendPid: rows[0]!.pid };
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
  }

  /** Stops waiting for the lease (a held lease ends with its session, which the store closes). */
  async cancel(): Promise<void> {
    this.#cancelled = true;
    await this.#client?.end().catch(() => {});
  }
}
