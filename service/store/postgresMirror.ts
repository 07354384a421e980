/**
 * The PostgreSQL store's side of the database at open: the migrations (postgresMigrations.ts) and the
 * load of every table into the in-memory mirror its reads are served from (see postgres.ts).
 */
import type pg from "pg";
import type { JobRecord, NodeRecord, TaskRecord } from "../core/records.js";
import { type Migration, migrations } from "./migrations.js";
import { MirrorTable, type SeqRow } from "./mirrorTable.js";
import { postgresMigrations } from "./postgresMigrations.js";

/** A row as put: its JSON text (what the database holds) and the columns the reads select on. */
export interface DataRow extends SeqRow {
  readonly data: string;
}
export interface StateRow extends DataRow {
  readonly state: string;
}
export interface JobRow extends StateRow {
  readonly scheduleId?: string;
}
/** A task's row, with what taskStateCounts and taskRunTotals add up taken out once, when it is put. */
export interface TaskRow extends StateRow {
  readonly jobId: string;
  readonly id: string;
  /** 1 when its last run's result is `failure`. */
  readonly failed: number;
  readonly slots: number;
  readonly wallClockMs?: number;
  readonly waitMs?: number;
  readonly retries?: number;
}

export interface Mirror {
  pools: MirrorTable<DataRow>;
  /** Node objects by pool, in load order then insertion order (as SqliteStore keeps them). */
  nodes: Map<string, Map<string, NodeRecord>>;
  jobs: MirrorTable<JobRow>;
  jobSchedules: MirrorTable<StateRow>;
  tasks: MirrorTable<TaskRow>;
  certificates: MirrorTable<StateRow>;
  applications: Map<string, string>;
  /** Package JSON by application, then version. */
  packages: Map<string, Map<string, string>>;
  virtualNetworks: Map<string, string>;
  sequences: Map<string, number>;
}

/** The inner map of `outer` at `key`, made when missing (nodes by pool, packages by application). */
export function innerMap<V>(outer: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let inner = outer.get(key);
  if (!inner) {
    inner = new Map();
    outer.set(key, inner);
  }
  return inner;
}

function byState(row: StateRow): string[] {
  return ["all", `state:${row.state}`];
}

function emptyMirror(): Mirror {
  return {
    pools: new MirrorTable<DataRow>(() => ["all"]),
    nodes: new Map(),
    jobs: new MirrorTable<JobRow>((row) =>
      row.scheduleId === undefined
        ? byState(row)
        : [...byState(row), `schedule:${row.scheduleId}`, `schedule:${row.scheduleId}/${row.state}`],
    ),
    jobSchedules: new MirrorTable<StateRow>(byState),
    tasks: new MirrorTable<TaskRow>((row) => [`job:${row.jobId}`, `job:${row.jobId}/${row.state}`]),
    certificates: new MirrorTable<StateRow>(byState),
    applications: new Map(),
    packages: new Map(),
    virtualNetworks: new Map(),
    sequences: new Map(),
  };
}

export function jobRow(job: JobRecord, data = JSON.stringify(job)): JobRow {
  return { key: job.id, seq: job.seq, state: job.state, scheduleId: job.jobScheduleId, data };
}

/** The same sums SqliteStore's SQL makes: a time is counted when both its ends parse. */
export function taskRow(task: TaskRecord, data = JSON.stringify(task)): TaskRow {
  const info = task.executionInfo;
  return {
    key: `${task.jobId}/${task.id}`,
    jobId: task.jobId,
    id: task.id,
    seq: task.seq,
    state: task.state,
    data,
    failed: info?.result === "failure" ? 1 : 0,
    slots: task.reservedSlots ?? task.spec?.requiredSlots ?? 1,
    wallClockMs: between(info?.startTime, info?.endTime),
    waitMs: between(task.creationTime, info?.startTime),
    retries: info?.retryCount,
  };
}

export interface TaskStateCount {
  jobId: string;
  state: string;
  failed: number;
  count: number;
  slots: number;
}

/** Store.taskStateCounts over the mirror's task rows, in (job, state, failed) order as SQLite groups them. */
export function countTasks(rows: Iterable<TaskRow>): TaskStateCount[] {
  const groups = new Map<string, TaskStateCount>();
  for (const row of rows) {
    const key = `${row.jobId}/${row.state}/${row.failed}`;
    const group = groups.get(key) ?? {
      jobId: row.jobId,
      state: row.state,
      failed: row.failed,
      count: 0,
      slots: 0,
    };
    group.count += 1;
    group.slots += row.slots;
    groups.set(key, group);
  }
  return [...groups.values()].sort(
    (a, b) => compareText(a.jobId, b.jobId) || compareText(a.state, b.state) || a.failed - b.failed,
  );
}

/** Store.taskRunTotals over the mirror's task rows: completed tasks only, by job. */
export function sumTaskRuns(
  rows: Iterable<TaskRow>,
): { jobId: string; wallClockMs: number; waitMs: number; retries: number }[] {
  const totals = new Map<string, { jobId: string; wallClockMs: number; waitMs: number; retries: number }>();
  for (const row of rows) {
    if (row.state !== "completed") continue;
    const total = totals.get(row.jobId) ?? { jobId: row.jobId, wallClockMs: 0, waitMs: 0, retries: 0 };
    total.wallClockMs += row.wallClockMs ?? 0;
    total.waitMs += row.waitMs ?? 0;
    total.retries += row.retries ?? 0;
    totals.set(row.jobId, total);
  }
  return [...totals.values()].sort((a, b) => compareText(a.jobId, b.jobId));
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function between(from: string | undefined, to: string | undefined): number | undefined {
  if (from === undefined || to === undefined) return undefined;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Every table, read in one snapshot. */
export async function loadMirror(client: pg.Client, schema: string): Promise<Mirror> {
  const mirror = emptyMirror();
  const rows = async <T>(sql: string): Promise<T[]> => (await client.query(sql)).rows as T[];
  await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  try {
    type Keyed = { id: string; seq: string; state: string; data: string };
    for (const row of await rows<Keyed>(`SELECT id, seq, data::text FROM ${schema}.pools`))
      mirror.pools.put({ key: row.id, seq: Number(row.seq), data: row.data });
    for (const row of await rows<{ data: string }>(
      `SELECT data::text FROM ${schema}.nodes ORDER BY pool_id COLLATE "C", id COLLATE "C"`,
    )) {
      const node = JSON.parse(row.data) as NodeRecord;
      innerMap(mirror.nodes, node.poolId).set(node.id, node);
    }
    for (const row of await rows<{ data: string }>(`SELECT data::text FROM ${schema}.jobs`))
      mirror.jobs.put(jobRow(JSON.parse(row.data) as JobRecord, row.data));
    for (const row of await rows<{ data: string }>(`SELECT data::text FROM ${schema}.tasks`))
      mirror.tasks.put(taskRow(JSON.parse(row.data) as TaskRecord, row.data));
    for (const row of await rows<Keyed>(`SELECT id, seq, state, data::text FROM ${schema}.job_schedules`))
      mirror.jobSchedules.put({ key: row.id, seq: Number(row.seq), state: row.state, data: row.data });
    for (const row of await rows<Keyed & { thumbprint: string }>(
      `SELECT thumbprint, seq, state, data::text FROM ${schema}.certificates`,
    ))
      mirror.certificates.put({
        key: row.thumbprint,
        seq: Number(row.seq),
        state: row.state,
        data: row.data,
      });
    for (const row of await rows<Keyed>(`SELECT id, data::text FROM ${schema}.applications`))
      mirror.applications.set(row.id, row.data);
    for (const row of await rows<{ application_id: string; version: string; data: string }>(
      `SELECT application_id, version, data::text FROM ${schema}.application_packages`,
    ))
      innerMap(mirror.packages, row.application_id).set(row.version, row.data);
    for (const row of await rows<{ name: string; data: string }>(
      `SELECT name, data::text FROM ${schema}.virtual_networks`,
    ))
      mirror.virtualNetworks.set(row.name, row.data);
    for (const row of await rows<{ name: string; value: string }>(
      `SELECT name, value FROM ${schema}.sequences`,
    ))
      mirror.sequences.set(row.name, Number(row.value));
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
  return mirror;
}

/**
 * Creates the schema if needed and applies the migrations it lacks, in one transaction under a
 * transaction-level advisory lock (released at commit), so two processes starting at once never
 * migrate together: the second waits, then finds nothing left to do.
 */
export async function migratePostgres(client: pg.Client, schemaName: string): Promise<void> {
  const schema = client.escapeIdentifier(schemaName);
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [
      `openbatch migrations ${schemaName}`,
    ]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`SET LOCAL search_path TO ${schema}`);
    await client.query(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)",
    );
    const applied = new Set(
      (await client.query<{ version: number }>("SELECT version FROM schema_migrations")).rows.map(
        (r) => r.version,
      ),
    );
    const newest = Math.max(0, ...applied);
    if (newest > latest(postgresMigrations))
      throw new Error(
        `The PostgreSQL schema '${schemaName}' is at migration ${newest}, newer than this OpenBatch knows ` +
          `(${latest(migrations)}): run a newer OpenBatch against it, or use another schema (?schema=).`,
      );
    for (const m of postgresMigrations) {
      if (applied.has(m.version)) continue;
      await client.query(m.sql);
      await client.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())", [
        m.version,
        m.name,
      ]);
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

function latest(list: readonly Migration[]): number {
  return Math.max(...list.map((m) => m.version));
}
