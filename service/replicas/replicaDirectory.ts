/**
 * Who the replicas of an account are and which one leads, kept in the account's PostgreSQL schema:
 * `replicas` (one row per running replica: its REST and agent endpoints and when it was last seen) and
 * `replica_leader` (one row: the replica that announced itself leader and the database session that
 * holds its lease). A leader is only believed while that session still holds the lease lock
 * (`pg_locks`), so the row of a dead leader never misleads anyone. Announcing leadership, and joining,
 * NOTIFY the other replicas, which re-read both tables at once (LISTEN): followers re-point at a new
 * leader, the leader gives a newcomer's URL to the agents it starts. Each replica also re-reads them
 * every heartbeat, in case a notification was lost with a connection.
 *
 * These tables are the replicas' own, not the Store's: they describe running processes, not account
 * state, so they are created here (idempotently) rather than by a numbered store migration.
 */
import { EventEmitter } from "node:events";
import pg from "pg";
import { LEASE_LOCK_CLASS } from "./leaderLease.js";

export interface ReplicaInfo {
  id: string;
  /** `http://host:port`: where its REST API is. */
  restEndpoint: string;
  /** `ws://host:port/openbatch/agent`: where agents connect to it. */
  agentEndpoint: string;
}

export interface ReplicaDirectoryOptions {
  connectionString: string;
  schema: string;
  self: ReplicaInfo;
  /** How often this replica says it is alive and re-reads the leader (default 2 s). */
  heartbeatMs?: number;
  /** The directory's own session failed: this replica can no longer follow leadership changes. */
  onLost: (error: Error) => void;
}

/** A replica not seen for this many heartbeats is left out of the agents' URL lists. */
const LIVE_HEARTBEATS = 5;

export class ReplicaDirectory {
  readonly #client: pg.Client;
  readonly #options: ReplicaDirectoryOptions;
  readonly #events = new EventEmitter<{ leaderChanged: [ReplicaInfo | undefined] }>();
  readonly #channel: string;
  #leader: ReplicaInfo | undefined;
  #live: ReplicaInfo[] = [];
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  private constructor(client: pg.Client, options: ReplicaDirectoryOptions) {
    this.#client = client;
    this.#options = options;
    this.#channel = `openbatch_leader:${options.schema}`;
  }

  /** Connects, creates the tables if needed, registers this replica and starts listening for leaders. */
  static async open(options: ReplicaDirectoryOptions): Promise<ReplicaDirectory> {
    const client = new pg.Client({ connectionString: options.connectionString, keepAlive: true });
    await client.connect();
    const directory = new ReplicaDirectory(client, options);
    try {
      await directory.#prepare();
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    return directory;
  }

  /** The leader as last read; undefined while none holds the lease. */
  get leader(): ReplicaInfo | undefined {
    return this.#leader;
  }

  /** Every replica seen lately (this one included), by id. */
  get liveReplicas(): readonly ReplicaInfo[] {
    return this.#live;
  }

  onLeaderChanged(listener: (leader: ReplicaInfo | undefined) => void): void {
    this.#events.on("leaderChanged", listener);
  }

  /**
   * Reads the leader again (after a forwarded request or relayed socket found it unreachable) and
   * reports a change.
   */
  async refreshLeader(): Promise<ReplicaInfo | undefined> {
    const { rows } = await this.#client.query<{ id: string; rest_endpoint: string; agent_endpoint: string }>(
      `SELECT r.id, r.rest_endpoint, r.agent_endpoint
         FROM ${this.#table("replica_leader")} l
         JOIN ${this.#table("replicas")} r ON r.id = l.replica_id
        WHERE EXISTS (SELECT 1 FROM pg_locks k
                       WHERE k.locktype = 'advisory' AND k.granted AND k.pid = l.lease_pid
                         AND k.classid = $1 AND k.objsubid = 2)`,
      [LEASE_LOCK_CLASS],
    );
    const row = rows[0];
    this.#setLeader(
      row ? { id: row.id, restEndpoint: row.rest_endpoint, agentEndpoint: row.agent_endpoint } : undefined,
    );
    return this.#leader;
  }

  /**
   * Names this replica the leader and tells the others. Refused unless `leaseBackendPid` holds the
   * lease at this moment, so a replica that lost its lease cannot announce itself.
   */
  async announceLeadership(leaseBackendPid: number): Promise<void> {
    const { self } = this.#options;
    await this.#client.query("BEGIN");
    try {
      const { rowCount } = await this.#client.query(
        `INSERT INTO ${this.#table("replica_leader")} (singleton, replica_id, lease_pid, since)
         SELECT true, $1, $2, now()
          WHERE EXISTS (SELECT 1 FROM pg_locks k
                         WHERE k.locktype = 'advisory' AND k.granted AND k.pid = $2
                           AND k.classid = $3 AND k.objsubid = 2)
         ON CONFLICT (singleton) DO UPDATE
           SET replica_id = EXCLUDED.replica_id, lease_pid = EXCLUDED.lease_pid, since = EXCLUDED.since`,
        [self.id, leaseBackendPid, LEASE_LOCK_CLASS],
      );
      if (rowCount !== 1) throw new Error("this replica does not hold the scheduling lease any more");
      await this.#client.query("SELECT pg_notify($1, $2)", [this.#channel, `leads ${self.id}`]);
      await this.#client.query("COMMIT");
    } catch (error) {
      await this.#client.query("ROLLBACK").catch(() => {});
      throw error;
    }
    this.#setLeader(self);
  }

  /** Stops the heartbeat and takes this replica off the list. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#client
      .query(`DELETE FROM ${this.#table("replicas")} WHERE id = $1`, [this.#options.self.id])
      .catch(() => {});
    await this.#client.end().catch(() => {});
  }

  async #prepare(): Promise<void> {
    const client = this.#client;
    const schema = client.escapeIdentifier(this.#options.schema);
    // Replicas starting together must not race to create the same schema and tables: the store's
    // migration lock (service/store/postgresMirror.ts) serialises them with its migrations too.
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [
      `openbatch migrations ${this.#options.schema}`,
    ]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${this.#table("replicas")} (
         id TEXT PRIMARY KEY, rest_endpoint TEXT NOT NULL, agent_endpoint TEXT NOT NULL,
         started_at TIMESTAMPTZ NOT NULL DEFAULT now(), last_seen TIMESTAMPTZ NOT NULL DEFAULT now())`,
    );
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${this.#table("replica_leader")} (
         singleton BOOLEAN PRIMARY KEY CHECK (singleton), replica_id TEXT NOT NULL,
         lease_pid INTEGER NOT NULL, since TIMESTAMPTZ NOT NULL)`,
    );
    await client.query("COMMIT");

    const { self } = this.#options;
    await client.query(
      `INSERT INTO ${this.#table("replicas")} (id, rest_endpoint, agent_endpoint) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET rest_endpoint = $2, agent_endpoint = $3, last_seen = now()`,
      [self.id, self.restEndpoint, self.agentEndpoint],
    );
    client.on("notification", (message) => {
      if (message.channel === this.#channel) void this.#heartbeat().catch((error) => this.#lost(error));
    });
    client.on("error", (error) => this.#lost(error));
    // Listen before the first read, so that no announcement falls between the two.
    await client.query(`LISTEN ${client.escapeIdentifier(this.#channel)}`);
    // The leader hands the newcomer's URL to the agents it starts from now on.
    await client.query("SELECT pg_notify($1, $2)", [this.#channel, `joined ${self.id}`]);
    await this.#heartbeat();
    const heartbeatMs = this.#options.heartbeatMs ?? 2_000;
    this.#timer = setInterval(() => void this.#heartbeat().catch((error) => this.#lost(error)), heartbeatMs);
  }

  async #heartbeat(): Promise<void> {
    const heartbeatMs = this.#options.heartbeatMs ?? 2_000;
    const { rows } = await this.#client.query<{ id: string; rest_endpoint: string; agent_endpoint: string }>(
      `WITH seen AS (UPDATE ${this.#table("replicas")} SET last_seen = now() WHERE id = $1),
            gone AS (DELETE FROM ${this.#table("replicas")} WHERE last_seen < now() - interval '10 minutes')
       SELECT id, rest_endpoint, agent_endpoint FROM ${this.#table("replicas")}
        WHERE id = $1 OR last_seen > now() - make_interval(secs => $2)
        ORDER BY id`,
      [this.#options.self.id, (heartbeatMs * LIVE_HEARTBEATS) / 1000],
    );
    this.#live = rows.map((row) => ({
      id: row.id,
      restEndpoint: row.rest_endpoint,
      agentEndpoint: row.agent_endpoint,
    }));
    await this.refreshLeader();
  }

  #setLeader(leader: ReplicaInfo | undefined): void {
    if (leader?.id === this.#leader?.id) return;
    this.#leader = leader;
    this.#events.emit("leaderChanged", leader);
  }

  #lost(error: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#options.onLost(error instanceof Error ? error : new Error(String(error)));
  }

  #table(name: string): string {
    return `${this.#client.escapeIdentifier(this.#options.schema)}.${name}`;
  }
}
