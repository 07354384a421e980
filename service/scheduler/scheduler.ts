/**
 * The event-driven scheduler. It keeps, per pool, the runnable tasks of each job in submission order
 * and the free slots of each schedulable node. Something that can make a dispatch possible (a task
 * queued, slots freed, a node ready, a priority changed) calls in, and the pool gets one matching
 * pass on the next turn of the event loop; there is no timer and no scan over all tasks.
 * Order: job priority (higher first), then job submission order, then task submission order.
 * A multi-instance task needs `instances` nodes at once: see gangReservation.ts.
 */
import type { NodeFillType } from "../../protocol/states.js";
import { Deque } from "./deque.js";
import { GangReservation } from "./gangReservation.js";
import { PoolSlots } from "./nodeSlots.js";

interface QueuedTask {
  taskId: string;
  slots: number;
  /** More than 1 for a multi-instance task: that many distinct nodes, `slots` on each. */
  instances?: number;
}

interface JobQueue {
  jobId: string;
  poolId: string;
  priority: number;
  seq: number;
  /** -1 is unlimited. */
  maxParallelTasks: number;
  running: number;
  runnable: boolean;
  tasks: Deque<QueuedTask>;
  /** Nodes this job's tasks must not go to (its preparation task failed there). */
  excluded?: Set<string>;
}

interface PoolQueue {
  slots: PoolSlots;
  fill: NodeFillType;
  /** Sorted by priority desc, then seq asc. */
  jobs: JobQueue[];
  passScheduled: boolean;
  /** The multi-instance task collecting nodes, if one is. */
  gang?: GangReservation;
}

/** Asked to start a matched task on a node; `false` when the task can no longer run (the slot stays free). */
export type DispatchFn = (poolId: string, nodeId: string, jobId: string, taskId: string) => boolean;
/** Starting multi-instance tasks (service/core/multiInstance.ts). */
export interface GangHooks {
  /** Asked to start the task on these nodes (the first for the primary); `false` frees them. */
  dispatch(poolId: string, nodeIds: string[], jobId: string, taskId: string): boolean;
  /** Whether a queued task may still run; one that may not (terminated, deleted) leaves the queue and frees its nodes. */
  wanted(jobId: string, taskId: string): boolean;
}

export interface JobSettings {
  poolId: string;
  priority: number;
  seq: number;
  maxParallelTasks: number;
  /** Only an active job's tasks are dispatched. */
  runnable: boolean;
}

export class Scheduler {
  private readonly pools = new Map<string, PoolQueue>();
  private readonly jobs = new Map<string, JobQueue>();

  constructor(
    private readonly dispatch: DispatchFn,
    private readonly gangs: GangHooks = { dispatch: () => false, wanted: () => false },
  ) {}

  configurePool(poolId: string, fill: NodeFillType): void {
    this.pool(poolId).fill = fill;
  }

  dropPool(poolId: string): void {
    const pool = this.pools.get(poolId);
    if (!pool) return;
    // Jobs stay queued under the pool id: a pool re-created with that id picks them up.
    this.pools.set(poolId, { ...pool, slots: new PoolSlots() });
  }

  addNode(poolId: string, nodeId: string, totalSlots: number): void {
    this.pool(poolId).slots.addNode(nodeId, totalSlots);
  }

  removeNode(poolId: string, nodeId: string): void {
    const pool = this.pools.get(poolId);
    pool?.gang?.drop(pool.slots, nodeId);
    pool?.slots.removeNode(nodeId);
  }

  setNodeEligible(poolId: string, nodeId: string, eligible: boolean): void {
    const pool = this.pools.get(poolId);
    if (!pool) return;
    if (!eligible) pool.gang?.drop(pool.slots, nodeId);
    pool.slots.setEligible(nodeId, eligible);
    if (eligible) this.kick(poolId);
  }

  /** Slots a task holds while it runs (tasks found running at start-up, and every dispatch). */
  occupy(poolId: string, nodeId: string, jobId: string, slots: number): void {
    this.pool(poolId).slots.use(nodeId, slots);
    const job = this.jobs.get(jobId);
    if (job) job.running++;
  }

  release(poolId: string, nodeId: string, jobId: string, slots: number): void {
    this.pools.get(poolId)?.slots.release(nodeId, slots);
    const job = this.jobs.get(jobId);
    if (job) job.running = Math.max(0, job.running - 1);
    this.kick(poolId);
  }

  upsertJob(jobId: string, settings: JobSettings): void {
    let job = this.jobs.get(jobId);
    if (!job) {
      job = { jobId, running: 0, tasks: new Deque(), ...settings };
      this.jobs.set(jobId, job);
      this.pool(settings.poolId).jobs.push(job);
    } else {
      Object.assign(job, settings);
    }
    this.sortJobs(settings.poolId);
    this.kick(settings.poolId);
  }

  removeJob(jobId: string): void {
    const job = this.jobs.get(jobId);
    if (!job) return;
    this.jobs.delete(jobId);
    const pool = this.pools.get(job.poolId);
    if (!pool) return;
    pool.jobs = pool.jobs.filter((j) => j !== job);
    if (pool.gang?.jobId === jobId) this.endGang(job.poolId, pool);
  }

  /**
   * Queues a runnable task at the back of its job's queue (or the front, for a requeue); a
   * multi-instance task needs `instances` nodes.
   */
  enqueue(jobId: string, taskId: string, slots: number, atFront = false, instances = 1): void {
    const job = this.jobs.get(jobId);
    if (!job) return;
    const queued: QueuedTask = instances > 1 ? { taskId, slots, instances } : { taskId, slots };
    if (atFront) job.tasks.unshift(queued);
    else job.tasks.push(queued);
    this.kick(job.poolId);
  }

  /** The nodes a queued multi-instance task holds, if it holds any (for tests and views). */
  heldNodes(poolId: string): { jobId: string; taskId: string; nodeIds: string[] } | undefined {
    const gang = this.pools.get(poolId)?.gang;
    return gang && { jobId: gang.jobId, taskId: gang.taskId, nodeIds: [...gang.held] };
  }

  /** The job's tasks are never matched to this node again (until the scheduler restarts). */
  excludeNode(jobId: string, nodeId: string): void {
    const job = this.jobs.get(jobId);
    if (!job) return;
    job.excluded ??= new Set();
    job.excluded.add(nodeId);
  }

  queuedTasks(jobId: string): number {
    return this.jobs.get(jobId)?.tasks.length ?? 0;
  }

  kick(poolId: string): void {
    const pool = this.pool(poolId);
    if (pool.passScheduled) return;
    pool.passScheduled = true;
    // A microtask: after the current command (say, a whole addtaskcollection) has queued everything,
    // and before the store's group commit (a setImmediate) spends its fsync: a dispatch need not wait.
    queueMicrotask(() => {
      pool.passScheduled = false;
      this.pass(poolId, pool);
    });
  }

  /** Matches queued tasks to free slots until nothing more fits. */
  private pass(poolId: string, pool: PoolQueue): void {
    let matched = true;
    while (matched) {
      matched = false;
      for (const job of pool.jobs) {
        if (!job.runnable || job.tasks.length === 0) continue;
        if (job.maxParallelTasks >= 0 && job.running >= job.maxParallelTasks) continue;
        const head = job.tasks.peek()!;
        if (head.instances) {
          if (this.gangStep(poolId, pool, job, head)) {
            matched = true;
            break;
          }
          continue;
        }
        const nodeId = pool.slots.pick(head.slots, pool.fill, job.excluded);
        if (!nodeId) continue;
        job.tasks.shift();
        if (this.dispatch(poolId, nodeId, job.jobId, head.taskId)) {
          pool.slots.use(nodeId, head.slots);
          job.running++;
        }
        matched = true;
        break;
      }
    }
  }

  /**
   * A multi-instance task at the head of its job's queue: it collects nodes if it owns the pool's
   * reservation (or takes the free one), and is dispatched once it holds all it needs. Returns
   * whether anything changed. A task no longer at the head (terminated, deleted) loses the reservation.
   */
  private gangStep(poolId: string, pool: PoolQueue, job: JobQueue, head: QueuedTask): boolean {
    const instances = head.instances!;
    if (!this.gangs.wanted(job.jobId, head.taskId)) {
      job.tasks.shift();
      if (pool.gang?.taskId === head.taskId && pool.gang.jobId === job.jobId) this.endGang(poolId, pool);
      return true;
    }
    let gang = pool.gang;
    if (gang && !this.stillHeads(gang)) {
      this.endGang(poolId, pool);
      gang = undefined;
    }
    if (gang && (gang.jobId !== job.jobId || gang.taskId !== head.taskId)) return false;
    if (!gang) {
      gang = new GangReservation(job.jobId, head.taskId, instances, head.slots);
      pool.gang = gang;
    }
    const took = gang.fill(pool.slots, pool.fill, job.excluded);
    if (!gang.complete) return took;
    pool.gang = undefined;
    job.tasks.shift();
    if (this.gangs.dispatch(poolId, [...gang.held], job.jobId, head.taskId)) job.running += instances;
    else gang.releaseAll(pool.slots);
    return true;
  }

  private stillHeads(gang: GangReservation): boolean {
    const job = this.jobs.get(gang.jobId);
    return !!job && job.runnable && job.tasks.peek()?.taskId === gang.taskId;
  }

  private endGang(poolId: string, pool: PoolQueue): void {
    pool.gang?.releaseAll(pool.slots);
    pool.gang = undefined;
    this.kick(poolId);
  }

  private sortJobs(poolId: string): void {
    this.pool(poolId).jobs.sort((a, b) => b.priority - a.priority || a.seq - b.seq);
  }

  private pool(poolId: string): PoolQueue {
    let pool = this.pools.get(poolId);
    if (!pool) {
      pool = { slots: new PoolSlots(), fill: "spread", jobs: [], passScheduled: false };
      this.pools.set(poolId, pool);
    }
    return pool;
  }
}
