/**
 * The storage interface. Reads are synchronous and see every write made so far; writes are applied
 * at once and become durable together at the next group commit. A caller that must not answer
 * before its write is on disk awaits `flush()` (the REST layer does so before every 2xx).
 */
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

export interface PageQuery {
  /** Return records whose `seq` is greater than this (the paging cursor). */
  afterSeq?: number;
  limit: number;
  /** Only records in this state (uses an index). */
  state?: string;
}

export type SequenceName = "pools" | "jobs" | "tasks" | "jobSchedules" | "certificates";

export interface Store {
  getPool(id: string): PoolRecord | undefined;
  listPools(page: PageQuery): PoolRecord[];
  putPool(pool: PoolRecord): void;
  deletePool(id: string): void;

  getNode(poolId: string, nodeId: string): NodeRecord | undefined;
  listNodes(poolId: string): NodeRecord[];
  putNode(node: NodeRecord): void;
  deleteNode(poolId: string, nodeId: string): void;

  getJob(id: string): JobRecord | undefined;
  listJobs(page: PageQuery): JobRecord[];
  putJob(job: JobRecord): void;
  deleteJob(id: string): void;
  /** The jobs a schedule created (`jobScheduleId`), in creation order. */
  listJobsOfSchedule(jobScheduleId: string, page: PageQuery): JobRecord[];

  getJobSchedule(id: string): JobScheduleRecord | undefined;
  listJobSchedules(page: PageQuery): JobScheduleRecord[];
  putJobSchedule(schedule: JobScheduleRecord): void;
  deleteJobSchedule(id: string): void;

  getTask(jobId: string, taskId: string): TaskRecord | undefined;
  listTasks(jobId: string, page: PageQuery): TaskRecord[];
  /** Every task in one of these states, across jobs, in (job, seq) order: the scheduler's start-up load. */
  listTasksInStates(states: readonly string[]): TaskRecord[];
  /** Inserts a new task; `false` (and nothing written) when the id is taken in that job. */
  insertTask(task: TaskRecord): boolean;
  putTask(task: TaskRecord): void;
  deleteTask(jobId: string, taskId: string): void;
  deleteTasksOfJob(jobId: string): void;
  /**
   * How many tasks (and how many slots they need) each job has in each state, completed ones split by
   * `failed` (0/1); loaded at start-up.
   */
  taskStateCounts(): { jobId: string; state: string; failed: number; count: number; slots: number }[];
  /** Per job, over its completed tasks: summed wall clock and wait times (ms) and retries; loaded at start-up. */
  taskRunTotals(): { jobId: string; wallClockMs: number; waitMs: number; retries: number }[];

  getApplication(id: string): ApplicationRecord | undefined;
  /** Every application, in id order (an account has few). */
  listApplications(): ApplicationRecord[];
  putApplication(application: ApplicationRecord): void;
  /** Deletes the application and its packages' records. */
  deleteApplication(id: string): void;
  getApplicationPackage(applicationId: string, version: string): ApplicationPackageRecord | undefined;
  /** The application's packages, in version order. */
  listApplicationPackages(applicationId: string): ApplicationPackageRecord[];
  putApplicationPackage(pkg: ApplicationPackageRecord): void;
  deleteApplicationPackage(applicationId: string, version: string): void;

  /** Certificates, by normalized thumbprint (records hold their secret data: never return them as they are). */
  getCertificate(thumbprint: string): CertificateRecord | undefined;
  listCertificates(page: PageQuery): CertificateRecord[];
  putCertificate(certificate: CertificateRecord): void;
  deleteCertificate(thumbprint: string): void;

  getVirtualNetwork(name: string): VirtualNetworkRecord | undefined;
  /** Every local virtual network, by name. */
  listVirtualNetworks(): VirtualNetworkRecord[];
  putVirtualNetwork(network: VirtualNetworkRecord): void;
  deleteVirtualNetwork(name: string): void;

  /** The next value of a named sequence (insertion order of pools, jobs, tasks, job schedules, certificates). */
  nextSeq(name: SequenceName): number;

  /** Resolves when every write made before the call is committed to disk. */
  flush(): Promise<void>;
  /**
   * Makes every write made so far survive the death of this process (not of the machine): what a
   * message to an agent may promise once it is sent, so that a service killed right after sending a
   * dispatch does not forget it and dispatch the task again. SQLite commits its open transaction at
   * once (to the WAL, in the OS's cache) and returns nothing; PostgreSQL returns the promise of the
   * commit that holds them (the server has them then).
   */
  committed(): Promise<void> | undefined;
  close(): void;
}
