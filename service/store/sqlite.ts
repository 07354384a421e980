/**
 * The embedded store: one SQLite file (WAL) per account. Writes made in the same event-loop turn
 * share one transaction, committed on the next turn (group commit).
 *
 * Durability without blocking: SQLite commits with synchronous=NORMAL (frames written to the WAL, no
 * fsync), and the store then fsyncs the WAL file on libuv's thread pool; `flush()` resolves once the
 * fsync covering its writes is done. An acknowledged write is thus on disk exactly as with
 * synchronous=FULL, but the event loop goes on serving while the disk works, and one fsync covers
 * every transaction committed while the previous one ran. (SQLite itself syncs the WAL before each
 * checkpoint and the database after it, in NORMAL mode.)
 *
 * Hot records stay in memory as well, so the dispatch path does not parse JSON on every read: all
 * nodes (loaded at start) and jobs, and the tasks that are running or preparing (bounded by the pools'
 * slots). A cached record is the object callers change: what they put is what the database holds,
 * and what they change without putting (derived state such as a node's idle/running) lives in memory.
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
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
import { migrations } from "./migrations.js";
import type { PageQuery, SequenceName, Store } from "./store.js";

type Statement = Database.Statement;

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly sql: Record<string, Statement>;
  private readonly sequences = new Map<string, number>();
  /** Every node, by pool, in id order. */
  private readonly nodes = new Map<string, Map<string, NodeRecord>>();
  private readonly jobs = new Map<string, JobRecord>();
  /** Running and preparing tasks, by `job/task`. */
  private readonly liveTasks = new Map<string, TaskRecord>();
  private inTransaction = false;
  /** Waiting for the open transaction to commit and be synced. */
  private waiters: Waiter[] = [];
  /** Committed (or asked to flush) and waiting for the next WAL fsync. */
  private awaitingSync: Waiter[] = [];
  private syncInFlight = false;
  /** Something was committed that no finished or running fsync covers. */
  private unsynced = false;
  private walFd: number | undefined;
  private closed = false;
  private readonly walPath: string;

  constructor(file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.walPath = `${file}-wal`;
    this.db.pragma("foreign_keys = ON");
    migrate(this.db);
    this.sql = prepareStatements(this.db);
    for (const row of this.db.prepare("SELECT name, value FROM sequences").all() as {
      name: string;
      value: number;
    }[]) {
      this.sequences.set(row.name, row.value);
    }
    for (const node of parseAll<NodeRecord>(this.sql.allNodes.all()))
      this.poolNodes(node.poolId).set(node.id, node);
  }

  getPool(id: string): PoolRecord | undefined {
    return parse(this.sql.getPool.get(id));
  }
  listPools(page: PageQuery): PoolRecord[] {
    return parseAll(this.sql.listPools.all(page.afterSeq ?? -1, page.limit));
  }
  putPool(pool: PoolRecord): void {
    this.write(this.sql.putPool, pool.id, pool.seq, JSON.stringify(pool));
  }
  deletePool(id: string): void {
    this.write(this.sql.deletePool, id);
    this.write(this.sql.deleteNodesOfPool, id);
    this.nodes.delete(id);
  }

  getNode(poolId: string, nodeId: string): NodeRecord | undefined {
    return this.nodes.get(poolId)?.get(nodeId);
  }
  listNodes(poolId: string): NodeRecord[] {
    return [...(this.nodes.get(poolId)?.values() ?? [])];
  }
  putNode(node: NodeRecord): void {
    this.poolNodes(node.poolId).set(node.id, node);
    this.write(this.sql.putNode, node.poolId, node.id, JSON.stringify(node));
  }
  deleteNode(poolId: string, nodeId: string): void {
    this.nodes.get(poolId)?.delete(nodeId);
    this.write(this.sql.deleteNode, poolId, nodeId);
  }

  private poolNodes(poolId: string): Map<string, NodeRecord> {
    let nodes = this.nodes.get(poolId);
    if (!nodes) {
      nodes = new Map();
      this.nodes.set(poolId, nodes);
    }
    return nodes;
  }

  getApplication(id: string): ApplicationRecord | undefined {
    return parse(this.sql.getApplication.get(id));
  }
  listApplications(): ApplicationRecord[] {
    return parseAll(this.sql.listApplications.all());
  }
  putApplication(application: ApplicationRecord): void {
    this.write(this.sql.putApplication, application.id, JSON.stringify(application));
  }
  deleteApplication(id: string): void {
    this.write(this.sql.deleteApplication, id);
  }
  getApplicationPackage(applicationId: string, version: string): ApplicationPackageRecord | undefined {
    return parse(this.sql.getApplicationPackage.get(applicationId, version));
  }
  listApplicationPackages(applicationId: string): ApplicationPackageRecord[] {
    return parseAll(this.sql.listApplicationPackages.all(applicationId));
  }
  putApplicationPackage(pkg: ApplicationPackageRecord): void {
    this.write(this.sql.putApplicationPackage, pkg.applicationId, pkg.version, JSON.stringify(pkg));
  }
  deleteApplicationPackage(applicationId: string, version: string): void {
    this.write(this.sql.deleteApplicationPackage, applicationId, version);
  }

  getJob(id: string): JobRecord | undefined {
    let job = this.jobs.get(id);
    if (!job) {
      job = parse<JobRecord>(this.sql.getJob.get(id));
      if (job) this.jobs.set(id, job);
    }
    return job;
  }
  listJobs(page: PageQuery): JobRecord[] {
    const rows = page.state
      ? this.sql.listJobsInState.all(page.state, page.afterSeq ?? -1, page.limit)
      : this.sql.listJobs.all(page.afterSeq ?? -1, page.limit);
    return parseAll(rows);
  }
  putJob(job: JobRecord): void {
    this.jobs.set(job.id, job);
    this.write(this.sql.putJob, job.id, job.seq, job.state, JSON.stringify(job));
  }
  deleteJob(id: string): void {
    this.jobs.delete(id);
    this.write(this.sql.deleteJob, id);
  }
  listJobsOfSchedule(jobScheduleId: string, page: PageQuery): JobRecord[] {
    const rows = page.state
      ? this.sql.listJobsOfScheduleInState.all(jobScheduleId, page.state, page.afterSeq ?? -1, page.limit)
      : this.sql.listJobsOfSchedule.all(jobScheduleId, page.afterSeq ?? -1, page.limit);
    return parseAll(rows);
  }

  getJobSchedule(id: string): JobScheduleRecord | undefined {
    return parse(this.sql.getJobSchedule.get(id));
  }
  listJobSchedules(page: PageQuery): JobScheduleRecord[] {
    const rows = page.state
      ? this.sql.listJobSchedulesInState.all(page.state, page.afterSeq ?? -1, page.limit)
      : this.sql.listJobSchedules.all(page.afterSeq ?? -1, page.limit);
    return parseAll(rows);
  }
  putJobSchedule(schedule: JobScheduleRecord): void {
    this.write(this.sql.putJobSchedule, schedule.id, schedule.seq, schedule.state, JSON.stringify(schedule));
  }
  deleteJobSchedule(id: string): void {
    this.write(this.sql.deleteJobSchedule, id);
  }

  getTask(jobId: string, taskId: string): TaskRecord | undefined {
    const live = this.liveTasks.get(`${jobId}/${taskId}`);
    if (live) return live;
    const task = parse<TaskRecord>(this.sql.getTask.get(jobId, taskId));
    return task && this.keepIfLive(task);
  }

  /** Running and preparing tasks are kept, so the record callers change is the one the store holds. */
  private keepIfLive(task: TaskRecord): TaskRecord {
    if (isLive(task)) this.liveTasks.set(taskKey(task), task);
    return task;
  }
  listTasks(jobId: string, page: PageQuery): TaskRecord[] {
    const rows = page.state
      ? this.sql.listTasksInState.all(page.state, jobId, page.afterSeq ?? -1, page.limit)
      : this.sql.listTasks.all(jobId, page.afterSeq ?? -1, page.limit);
    // A live task's record in memory may hold what is not written yet (its reported start): lists show it too.
    return parseAll<TaskRecord>(rows).map((task) => this.liveTasks.get(taskKey(task)) ?? task);
  }
  listTasksInStates(states: readonly string[]): TaskRecord[] {
    return states.flatMap((state) =>
      parseAll<TaskRecord>(this.sql.tasksInState.all(state)).map(
        (task) => this.liveTasks.get(taskKey(task)) ?? this.keepIfLive(task),
      ),
    );
  }
  insertTask(task: TaskRecord): boolean {
    this.begin();
    const info = this.sql.insertTask.run(task.jobId, task.id, task.seq, task.state, JSON.stringify(task));
    return info.changes === 1;
  }
  putTask(task: TaskRecord): void {
    if (isLive(task)) this.liveTasks.set(taskKey(task), task);
    else this.liveTasks.delete(taskKey(task));
    this.write(this.sql.putTask, task.jobId, task.id, task.seq, task.state, JSON.stringify(task));
  }
  deleteTask(jobId: string, taskId: string): void {
    this.liveTasks.delete(`${jobId}/${taskId}`);
    this.write(this.sql.deleteTask, jobId, taskId);
  }
  deleteTasksOfJob(jobId: string): void {
    for (const [key, task] of this.liveTasks) if (task.jobId === jobId) this.liveTasks.delete(key);
    this.write(this.sql.deleteTasksOfJob, jobId);
  }

  taskStateCounts(): { jobId: string; state: string; failed: number; count: number; slots: number }[] {
    return this.sql.taskStateCounts.all() as {
      jobId: string;
      state: string;
      failed: number;
      count: number;
      slots: number;
    }[];
  }

  taskRunTotals(): { jobId: string; wallClockMs: number; waitMs: number; retries: number }[] {
    return this.sql.taskRunTotals.all() as {
      jobId: string;
      wallClockMs: number;
      waitMs: number;
      retries: number;
    }[];
  }

  getCertificate(thumbprint: string): CertificateRecord | undefined {
    return parse(this.sql.getCertificate.get(thumbprint));
  }
  listCertificates(page: PageQuery): CertificateRecord[] {
    const rows = page.state
      ? this.sql.listCertificatesInState.all(page.state, page.afterSeq ?? -1, page.limit)
      : this.sql.listCertificates.all(page.afterSeq ?? -1, page.limit);
    return parseAll(rows);
  }
  putCertificate(certificate: CertificateRecord): void {
    this.write(
      this.sql.putCertificate,
      certificate.thumbprint,
      certificate.seq,
      certificate.state,
      JSON.stringify(certificate),
    );
  }
  deleteCertificate(thumbprint: string): void {
    this.write(this.sql.deleteCertificate, thumbprint);
  }

  getVirtualNetwork(name: string): VirtualNetworkRecord | undefined {
    return parse(this.sql.getVirtualNetwork.get(name));
  }
  listVirtualNetworks(): VirtualNetworkRecord[] {
    return parseAll(this.sql.listVirtualNetworks.all());
  }
  putVirtualNetwork(network: VirtualNetworkRecord): void {
    this.write(this.sql.putVirtualNetwork, network.name, JSON.stringify(network));
  }
  deleteVirtualNetwork(name: string): void {
    this.write(this.sql.deleteVirtualNetwork, name);
  }

  nextSeq(name: SequenceName): number {
    const value = (this.sequences.get(name) ?? 0) + 1;
    this.sequences.set(name, value);
    this.write(this.sql.putSequence, name, value);
    return value;
  }

  flush(): Promise<void> {
    if (!this.inTransaction && !this.unsynced && !this.syncInFlight) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { resolve, reject };
      if (this.inTransaction) {
        this.waiters.push(waiter);
      } else {
        // A running fsync may have started before the commit this caller cares about: wait for the next.
        this.awaitingSync.push(waiter);
        this.unsynced = true;
        this.startSync();
      }
    });
  }

  committed(): undefined {
    this.commit();
    return undefined;
  }

  close(): void {
    if (this.inTransaction) this.commit();
    if (this.walFd !== undefined) {
      fs.fsyncSync(this.walFd);
      fs.closeSync(this.walFd);
      this.walFd = undefined;
    }
    this.closed = true;
    // The fsync above covers whatever an fsync still in flight was for.
    for (const w of this.awaitingSync.splice(0)) w.resolve();
    this.db.close();
  }

  private write(statement: Statement, ...args: unknown[]): void {
    this.begin();
    statement.run(...args);
  }

  private begin(): void {
    if (this.inTransaction) return;
    this.db.exec("BEGIN");
    this.inTransaction = true;
    setImmediate(() => this.commit());
  }

  private commit(): void {
    if (!this.inTransaction) return;
    const waiters = this.waiters;
    this.waiters = [];
    this.inTransaction = false;
    try {
      this.db.exec("COMMIT");
    } catch (error) {
      if (this.db.inTransaction) this.db.exec("ROLLBACK");
      for (const w of waiters) w.reject(error);
      return;
    }
    this.awaitingSync.push(...waiters);
    this.unsynced = true;
    this.startSync();
  }

  /** One fsync of the WAL at a time; what commits meanwhile waits for the next one. */
  private startSync(): void {
    if (this.syncInFlight || !this.unsynced) return;
    this.syncInFlight = true;
    this.unsynced = false;
    const batch = this.awaitingSync;
    this.awaitingSync = [];
    this.walFd ??= fs.openSync(this.walPath, "r");
    fs.fsync(this.walFd, (error) => {
      this.syncInFlight = false;
      for (const w of batch) {
        if (error && !this.closed) w.reject(error);
        else w.resolve();
      }
      if (!this.closed) this.startSync();
    });
  }
}

function isLive(task: TaskRecord): boolean {
  return task.state === "running" || task.state === "preparing";
}

function taskKey(task: TaskRecord): string {
  return `${task.jobId}/${task.id}`;
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

function migrate(db: Database.Database): void {
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
  );
  const applied = new Set(
    (db.prepare("SELECT version FROM schema_migrations").all() as { version: number }[]).map(
      (r) => r.version,
    ),
  );
  for (const m of migrations) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(
        m.version,
        m.name,
        new Date().toISOString(),
      );
    })();
  }
}

function prepareStatements(db: Database.Database): Record<string, Statement> {
  const statements = {
    getPool: "SELECT data FROM pools WHERE id = ?",
    listPools: "SELECT data FROM pools WHERE seq > ? ORDER BY seq LIMIT ?",
    putPool: "INSERT OR REPLACE INTO pools (id, seq, data) VALUES (?, ?, ?)",
    deletePool: "DELETE FROM pools WHERE id = ?",
    allNodes: "SELECT data FROM nodes ORDER BY pool_id, id",
    putNode: "INSERT OR REPLACE INTO nodes (pool_id, id, data) VALUES (?, ?, ?)",
    deleteNode: "DELETE FROM nodes WHERE pool_id = ? AND id = ?",
    deleteNodesOfPool: "DELETE FROM nodes WHERE pool_id = ?",
    getJob: "SELECT data FROM jobs WHERE id = ?",
    listJobs: "SELECT data FROM jobs WHERE seq > ? ORDER BY seq LIMIT ?",
    listJobsInState: "SELECT data FROM jobs WHERE state = ? AND seq > ? ORDER BY seq LIMIT ?",
    putJob: "INSERT OR REPLACE INTO jobs (id, seq, state, data) VALUES (?, ?, ?, ?)",
    deleteJob: "DELETE FROM jobs WHERE id = ?",
    listJobsOfSchedule:
      "SELECT data FROM jobs WHERE json_extract(data, '$.jobScheduleId') = ? AND seq > ? ORDER BY seq LIMIT ?",
    listJobsOfScheduleInState:
      "SELECT data FROM jobs WHERE json_extract(data, '$.jobScheduleId') = ? AND state = ? AND seq > ? ORDER BY seq LIMIT ?",
    getJobSchedule: "SELECT data FROM job_schedules WHERE id = ?",
    listJobSchedules: "SELECT data FROM job_schedules WHERE seq > ? ORDER BY seq LIMIT ?",
    listJobSchedulesInState:
      "SELECT data FROM job_schedules WHERE state = ? AND seq > ? ORDER BY seq LIMIT ?",
    putJobSchedule: "INSERT OR REPLACE INTO job_schedules (id, seq, state, data) VALUES (?, ?, ?, ?)",
    deleteJobSchedule: "DELETE FROM job_schedules WHERE id = ?",
    getTask: "SELECT data FROM tasks WHERE job_id = ? AND id = ?",
    listTasks: "SELECT data FROM tasks WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?",
    listTasksInState:
      "SELECT data FROM tasks WHERE state = ? AND job_id = ? AND seq > ? ORDER BY seq LIMIT ?",
    tasksInState: "SELECT data FROM tasks WHERE state = ? ORDER BY job_id, seq",
    insertTask: "INSERT OR IGNORE INTO tasks (job_id, id, seq, state, data) VALUES (?, ?, ?, ?, ?)",
    putTask: "INSERT OR REPLACE INTO tasks (job_id, id, seq, state, data) VALUES (?, ?, ?, ?, ?)",
    deleteTask: "DELETE FROM tasks WHERE job_id = ? AND id = ?",
    deleteTasksOfJob: "DELETE FROM tasks WHERE job_id = ?",
    taskStateCounts:
      "SELECT job_id AS jobId, state, ifnull(json_extract(data, '$.executionInfo.result') = 'failure', 0) AS failed, " +
      "count(*) AS count, sum(coalesce(json_extract(data, '$.reservedSlots'), json_extract(data, '$.spec.requiredSlots'), 1)) AS slots " +
      "FROM tasks GROUP BY jobId, state, failed",
    taskRunTotals:
      "SELECT job_id AS jobId, " +
      "ifnull(sum((julianday(json_extract(data, '$.executionInfo.endTime')) - julianday(json_extract(data, '$.executionInfo.startTime'))) * 86400000), 0) AS wallClockMs, " +
      "ifnull(sum((julianday(json_extract(data, '$.executionInfo.startTime')) - julianday(json_extract(data, '$.creationTime'))) * 86400000), 0) AS waitMs, " +
      "ifnull(sum(json_extract(data, '$.executionInfo.retryCount')), 0) AS retries " +
      "FROM tasks WHERE state = 'completed' GROUP BY job_id",
    getApplication: "SELECT data FROM applications WHERE id = ?",
    listApplications: "SELECT data FROM applications ORDER BY id",
    putApplication:
      "INSERT INTO applications (id, data) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data",
    deleteApplication: "DELETE FROM applications WHERE id = ?",
    getApplicationPackage: "SELECT data FROM application_packages WHERE application_id = ? AND version = ?",
    listApplicationPackages:
      "SELECT data FROM application_packages WHERE application_id = ? ORDER BY version",
    putApplicationPackage:
      "INSERT OR REPLACE INTO application_packages (application_id, version, data) VALUES (?, ?, ?)",
    deleteApplicationPackage: "DELETE FROM application_packages WHERE application_id = ? AND version = ?",
    getCertificate: "SELECT data FROM certificates WHERE thumbprint = ?",
    listCertificates: "SELECT data FROM certificates WHERE seq > ? ORDER BY seq LIMIT ?",
    listCertificatesInState: "SELECT data FROM certificates WHERE state = ? AND seq > ? ORDER BY seq LIMIT ?",
    putCertificate: "INSERT OR REPLACE INTO certificates (thumbprint, seq, state, data) VALUES (?, ?, ?, ?)",
    deleteCertificate: "DELETE FROM certificates WHERE thumbprint = ?",
    putSequence: "INSERT OR REPLACE INTO sequences (name, value) VALUES (?, ?)",
    getVirtualNetwork: "SELECT data FROM virtual_networks WHERE name = ?",
    listVirtualNetworks: "SELECT data FROM virtual_networks ORDER BY name",
    putVirtualNetwork: "INSERT OR REPLACE INTO virtual_networks (name, data) VALUES (?, ?)",
    deleteVirtualNetwork: "DELETE FROM virtual_networks WHERE name = ?",
  };
  return Object.fromEntries(Object.entries(statements).map(([k, sql]) => [k, db.prepare(sql)]));
}

function parse<T>(row: unknown): T | undefined {
  return row ? (JSON.parse((row as { data: string }).data) as T) : undefined;
}

function parseAll<T>(rows: unknown[]): T[] {
  return rows.map((row) => JSON.parse((row as { data: string }).data) as T);
}
