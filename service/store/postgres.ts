/**
 * The PostgreSQL store, for accounts that outgrow one machine (`--store postgres://...`).
 *
 * The Store interface reads synchronously (the scheduler and the REST layer read in the middle of a
 * turn), and a PostgreSQL query cannot answer synchronously. So this store keeps a full in-memory
 * mirror of its tables, loaded at open: every read is served from it, every write changes it at once
 * and is sent as SQL. The cost is memory in proportion to the account's records (each row's JSON
 * text, plus small index entries: about what the records take as JSON) and a load of every table at
 * open; the gain is reads as fast as SQLite's cached ones, and writes that never wait on the network.
 * The mirror is only right while this process is the one writing the schema: the replica layer
 * (leader lease) guarantees that.
 *
 * Group commit, as in sqlite.ts: the writes of one event-loop turn, and of every turn while a commit
 * is in flight, go out as one transaction on the one connection (postgresCommits.ts, with the SQL
 * from postgresWrites.ts); `flush()` resolves once the transaction holding every earlier write has
 * committed. A failed commit (lost connection, serialization error) leaves the mirror ahead of the
 * database for good, so it is fatal: pending and later `flush()`es reject and `onFatal` is called (a
 * leader that lost its session has lost its lease too: the process must stop).
 *
 * Records behave exactly as in SqliteStore: reads return fresh copies (parsed from the JSON that was
 * put), except nodes, jobs read by id and running or preparing tasks, whose object is kept and
 * returned again, so what callers change on it without putting lives in memory only.
 */
import pg from "pg";
import type {
  ApplicationPackageRecord,
  ApplicationRecord,
  CertificateRecord,
  JobRecord,
  JobScheduleRecord,
  NodeRecord,
  PoolRecord,
  TaskRecord,
  VirtualNetworkRecord,
} from "../core/records.js";
import type { MirrorTable } from "./mirrorTable.js";
import { GroupCommits } from "./postgresCommits.js";
import {
  compareText,
  countTasks,
  innerMap,
  jobRow,
  loadMirror,
  type Mirror,
  migratePostgres,
  sumTaskRuns,
  taskRow,
} from "./postgresMirror.js";
import { TABLES, type WriteBatch } from "./postgresWrites.js";
import type { PageQuery, SequenceName, Store } from "./store.js";

export interface PostgresStoreOptions {
  /** The PostgreSQL schema holding the account's tables (created if missing). */
  schema: string;
  /** Called once when a commit fails; the store is unusable from then on. */
  onFatal?: (error: Error) => void;
}

export class PostgresStore implements Store {
  /** Running and preparing tasks, by `job/task`: the objects callers hold. */
  private readonly liveTasks = new Map<string, TaskRecord>();
  /** Jobs read by id, as SqliteStore caches them. */
  private readonly jobObjects = new Map<string, JobRecord>();
  private readonly commits: GroupCommits;

  private constructor(
    client: pg.Client,
    schema: string,
    private readonly mirror: Mirror,
    onFatal: ((error: Error) => void) | undefined,
  ) {
    this.commits = new GroupCommits(client, schema, onFatal);
  }

  /**
   * Opens the store on an already connected client (the replica layer takes its lease on the same
   * session): migrates the schema, under a lock so that two processes never migrate at once, and
   * loads the mirror.
   */
  static async open(client: pg.Client, options: PostgresStoreOptions): Promise<PostgresStore> {
    const schema = client.escapeIdentifier(options.schema);
    await migratePostgres(client, options.schema);
    const mirror = await loadMirror(client, schema);
    return new PostgresStore(client, schema, mirror, options.onFatal);
  }

  getPool(id: string): PoolRecord | undefined {
    return parse(this.mirror.pools.get(id));
  }
  listPools(page: PageQuery): PoolRecord[] {
    return this.mirror.pools.page("all", page.afterSeq, page.limit).map((row) => parseRow(row));
  }
  putPool(pool: PoolRecord): void {
    const data = JSON.stringify(pool);
    this.mirror.pools.put({ key: pool.id, seq: pool.seq, data });
    this.write().put(TABLES.pools, [pool.id], [pool.seq, data]);
  }
  deletePool(id: string): void {
    this.mirror.pools.delete(id);
    this.write().delete(TABLES.pools, [id]);
    for (const nodeId of this.mirror.nodes.get(id)?.keys() ?? [])
      this.write().delete(TABLES.nodes, [id, nodeId]);
    this.mirror.nodes.delete(id);
  }

  getNode(poolId: string, nodeId: string): NodeRecord | undefined {
    return this.mirror.nodes.get(poolId)?.get(nodeId);
  }
  listNodes(poolId: string): NodeRecord[] {
    return [...(this.mirror.nodes.get(poolId)?.values() ?? [])];
  }
  putNode(node: NodeRecord): void {
    innerMap(this.mirror.nodes, node.poolId).set(node.id, node);
    this.write().put(TABLES.nodes, [node.poolId, node.id], [JSON.stringify(node)]);
  }
  deleteNode(poolId: string, nodeId: string): void {
    this.mirror.nodes.get(poolId)?.delete(nodeId);
    this.write().delete(TABLES.nodes, [poolId, nodeId]);
  }

  getJob(id: string): JobRecord | undefined {
    let job = this.jobObjects.get(id);
    if (!job) {
      job = parse<JobRecord>(this.mirror.jobs.get(id));
      if (job) this.jobObjects.set(id, job);
    }
    return job;
  }
  listJobs(page: PageQuery): JobRecord[] {
    const partition = page.state ? `state:${page.state}` : "all";
    return this.mirror.jobs.page(partition, page.afterSeq, page.limit).map((row) => parseRow(row));
  }
  putJob(job: JobRecord): void {
    this.jobObjects.set(job.id, job);
    const row = jobRow(job);
    this.mirror.jobs.put(row);
    this.write().put(TABLES.jobs, [job.id], [job.seq, job.state, row.data]);
  }
  deleteJob(id: string): void {
    this.jobObjects.delete(id);
    this.mirror.jobs.delete(id);
    this.write().delete(TABLES.jobs, [id]);
  }
  listJobsOfSchedule(jobScheduleId: string, page: PageQuery): JobRecord[] {
    const partition = `schedule:${jobScheduleId}${page.state ? `/${page.state}` : ""}`;
    return this.mirror.jobs.page(partition, page.afterSeq, page.limit).map((row) => parseRow(row));
  }

  getJobSchedule(id: string): JobScheduleRecord | undefined {
    return parse(this.mirror.jobSchedules.get(id));
  }
  listJobSchedules(page: PageQuery): JobScheduleRecord[] {
    return pageOf(this.mirror.jobSchedules, page).map((row) => parseRow(row));
  }
  putJobSchedule(schedule: JobScheduleRecord): void {
    const data = JSON.stringify(schedule);
    this.mirror.jobSchedules.put({ key: schedule.id, seq: schedule.seq, state: schedule.state, data });
    this.write().put(TABLES.jobSchedules, [schedule.id], [schedule.seq, schedule.state, data]);
  }
  deleteJobSchedule(id: string): void {
    this.mirror.jobSchedules.delete(id);
    this.write().delete(TABLES.jobSchedules, [id]);
  }

  getTask(jobId: string, taskId: string): TaskRecord | undefined {
    const key = `${jobId}/${taskId}`;
    const live = this.liveTasks.get(key);
    if (live) return live;
    const task = parse<TaskRecord>(this.mirror.tasks.get(key));
    return task && this.keepIfLive(task);
  }
  listTasks(jobId: string, page: PageQuery): TaskRecord[] {
    const partition = `job:${jobId}${page.state ? `/${page.state}` : ""}`;
    // A live task's record in memory may hold what is not written yet (its reported start): lists show it too.
    return this.mirror.tasks
      .page(partition, page.afterSeq, page.limit)
      .map((row) => this.liveTasks.get(row.key) ?? parseRow<TaskRecord>(row));
  }
  listTasksInStates(states: readonly string[]): TaskRecord[] {
    return states.flatMap((state) =>
      [...this.mirror.tasks.values()]
        .filter((row) => row.state === state)
        .sort((a, b) => (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : a.seq - b.seq))
        .map((row) => this.liveTasks.get(row.key) ?? this.keepIfLive(parseRow<TaskRecord>(row))),
    );
  }
  insertTask(task: TaskRecord): boolean {
    if (this.mirror.tasks.get(`${task.jobId}/${task.id}`)) return false;
    this.writeTask(task);
    return true;
  }
  putTask(task: TaskRecord): void {
    if (isLive(task)) this.liveTasks.set(taskKey(task), task);
    else this.liveTasks.delete(taskKey(task));
    this.writeTask(task);
  }
  deleteTask(jobId: string, taskId: string): void {
    this.liveTasks.delete(`${jobId}/${taskId}`);
    this.mirror.tasks.delete(`${jobId}/${taskId}`);
    this.write().delete(TABLES.tasks, [jobId, taskId]);
  }
  deleteTasksOfJob(jobId: string): void {
    for (const [key, task] of this.liveTasks) if (task.jobId === jobId) this.liveTasks.delete(key);
    for (const row of this.mirror.tasks.deletePartition(`job:${jobId}`))
      this.write().delete(TABLES.tasks, [row.jobId, row.id]);
  }

  private writeTask(task: TaskRecord): void {
    const row = taskRow(task);
    this.mirror.tasks.put(row);
    this.write().put(TABLES.tasks, [task.jobId, task.id], [task.seq, task.state, row.data]);
  }

  /** Running and preparing tasks are kept, so the record callers change is the one the store holds. */
  private keepIfLive(task: TaskRecord): TaskRecord {
    if (isLive(task)) this.liveTasks.set(taskKey(task), task);
    return task;
  }

  taskStateCounts(): { jobId: string; state: string; failed: number; count: number; slots: number }[] {
    return countTasks(this.mirror.tasks.values());
  }

  taskRunTotals(): { jobId: string; wallClockMs: number; waitMs: number; retries: number }[] {
    return sumTaskRuns(this.mirror.tasks.values());
  }

  getApplication(id: string): ApplicationRecord | undefined {
    return parseText(this.mirror.applications.get(id));
  }
  listApplications(): ApplicationRecord[] {
    return sortedValues(this.mirror.applications).map((text) => JSON.parse(text) as ApplicationRecord);
  }
  putApplication(application: ApplicationRecord): void {
    const data = JSON.stringify(application);
    this.mirror.applications.set(application.id, data);
    this.write().put(TABLES.applications, [application.id], [data]);
  }
  deleteApplication(id: string): void {
    this.mirror.applications.delete(id);
    this.write().delete(TABLES.applications, [id]);
    // The foreign key cascades in the database; the mirror and the batch follow it by hand.
    for (const version of this.mirror.packages.get(id)?.keys() ?? [])
      this.write().delete(TABLES.applicationPackages, [id, version]);
    this.mirror.packages.delete(id);
  }
  getApplicationPackage(applicationId: string, version: string): ApplicationPackageRecord | undefined {
    return parseText(this.mirror.packages.get(applicationId)?.get(version));
  }
  listApplicationPackages(applicationId: string): ApplicationPackageRecord[] {
    return sortedValues(this.mirror.packages.get(applicationId) ?? new Map()).map(
      (text) => JSON.parse(text) as ApplicationPackageRecord,
    );
  }
  putApplicationPackage(pkg: ApplicationPackageRecord): void {
    if (!this.mirror.applications.has(pkg.applicationId))
      // As SQLite's foreign key check does, at once: sent, it would fail the whole commit.
      throw new Error(`FOREIGN KEY constraint failed: application '${pkg.applicationId}' does not exist`);
    const data = JSON.stringify(pkg);
    innerMap(this.mirror.packages, pkg.applicationId).set(pkg.version, data);
    this.write().put(TABLES.applicationPackages, [pkg.applicationId, pkg.version], [data]);
  }
  deleteApplicationPackage(applicationId: string, version: string): void {
    this.mirror.packages.get(applicationId)?.delete(version);
    this.write().delete(TABLES.applicationPackages, [applicationId, version]);
  }

  getCertificate(thumbprint: string): CertificateRecord | undefined {
    return parse(this.mirror.certificates.get(thumbprint));
  }
  listCertificates(page: PageQuery): CertificateRecord[] {
    return pageOf(this.mirror.certificates, page).map((row) => parseRow(row));
  }
  putCertificate(certificate: CertificateRecord): void {
    const { thumbprint, seq, state } = certificate;
    const data = JSON.stringify(certificate);
    this.mirror.certificates.put({ key: thumbprint, seq, state, data });
    this.write().put(TABLES.certificates, [thumbprint], [seq, state, data]);
  }
  deleteCertificate(thumbprint: string): void {
    this.mirror.certificates.delete(thumbprint);
    this.write().delete(TABLES.certificates, [thumbprint]);
  }

  getVirtualNetwork(name: string): VirtualNetworkRecord | undefined {
    return parseText(this.mirror.virtualNetworks.get(name));
  }
  listVirtualNetworks(): VirtualNetworkRecord[] {
    return sortedValues(this.mirror.virtualNetworks).map((text) => JSON.parse(text) as VirtualNetworkRecord);
  }
  putVirtualNetwork(network: VirtualNetworkRecord): void {
    const data = JSON.stringify(network);
    this.mirror.virtualNetworks.set(network.name, data);
    this.write().put(TABLES.virtualNetworks, [network.name], [data]);
  }
  deleteVirtualNetwork(name: string): void {
    this.mirror.virtualNetworks.delete(name);
    this.write().delete(TABLES.virtualNetworks, [name]);
  }

  nextSeq(name: SequenceName): number {
    const value = (this.mirror.sequences.get(name) ?? 0) + 1;
    this.mirror.sequences.set(name, value);
    this.write().put(TABLES.sequences, [name], [value]);
    return value;
  }

  /** The server has a commit once it acknowledged it: the same wait as `flush()`. */
  committed(): Promise<void> {
    return this.flush();
  }

  flush(): Promise<void> {
    return this.commits.flush();
  }

  /**
   * Synchronous, as the interface wants: what is pending is sent at once and the connection is ended
   * in the background once it has committed. A caller that needs the writes durable awaits `flush()`
   * first (the service does); `end()` also waits for the connection to close.
   */
  close(): void {
    this.commits.close();
  }

  /** Closes, and resolves once the connection has ended. */
  end(): Promise<void> {
    return this.commits.end();
  }

  private write(): WriteBatch {
    return this.commits.batch();
  }
}

/**
 * Connects to `url` and opens the store in the schema named by its `?schema=` (default `openbatch`).
 */
export async function openPostgresStore(
  url: string,
  options: { onFatal?: (error: Error) => void } = {},
): Promise<PostgresStore> {
  const { connectionString, schema, display } = parsePostgresUrl(url);
  const client = new pg.Client({ connectionString });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `Could not connect to PostgreSQL at ${display}: ${(error as Error).message}. ` +
        "Check that the server runs and that the URL's host, port, user, password and database are right.",
    );
  }
  try {
    return await PostgresStore.open(client, { schema, onFatal: options.onFatal });
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** The pg connection string (without `schema`), the schema, and the URL without its password for messages. */
export function parsePostgresUrl(url: string): { connectionString: string; schema: string; display: string } {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get("schema") ?? "openbatch";
  if (!SCHEMA_NAME.test(schema))
    throw new Error(
      `The store URL's schema '${schema}' is not a plain PostgreSQL name: use letters, digits and _ (at most 63).`,
    );
  parsed.searchParams.delete("schema");
  const connectionString = parsed.toString();
  if (parsed.password) parsed.password = "***";
  return { connectionString, schema, display: parsed.toString() };
}

function pageOf<Row extends { seq: number; key: string; state: string }>(
  table: MirrorTable<Row>,
  page: PageQuery,
): Row[] {
  return table.page(page.state ? `state:${page.state}` : "all", page.afterSeq, page.limit);
}

function parse<T>(row: { data: string } | undefined): T | undefined {
  return row ? (JSON.parse(row.data) as T) : undefined;
}

function parseRow<T>(row: { data: string }): T {
  return JSON.parse(row.data) as T;
}

function parseText<T>(text: string | undefined): T | undefined {
  return text === undefined ? undefined : (JSON.parse(text) as T);
}

/** Values by key order, as SQLite's ORDER BY on a TEXT key gives them. */
function sortedValues(map: Map<string, string>): string[] {
  return [...map.keys()].sort(compareText).map((key) => map.get(key)!);
}

function isLive(task: TaskRecord): boolean {
  return task.state === "running" || task.state === "preparing";
}

function taskKey(task: TaskRecord): string {
  return `${task.jobId}/${task.id}`;
}
