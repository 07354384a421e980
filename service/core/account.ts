/**
 * One Batch account: the hub the command modules share. It owns the in-memory indexes that sit beside
 * the store (scheduler queues, runs in flight, per-job task counts) and rebuilds them at start-up.
 */
import type { TaskState } from "../../protocol/states.js";
import { Scheduler } from "../scheduler/scheduler.js";
import { PackageArchives } from "../storage/packageArchives.js";
import type { Store } from "../store/store.js";
import { AgentReports } from "./agentReports.js";
import { ApplicationCommands } from "./applications.js";
import { CertificateCommands } from "./certificates.js";
import type { AccountConfig, Machines, NodeLink } from "./context.js";
import { DispatchRegistry } from "./dispatches.js";
import { JobNodeTasks } from "./jobNodeTasks.js";
import { JobScheduleCommands } from "./jobSchedules.js";
import { JobCommands } from "./jobs.js";
import { bucketOf, JobTaskCounts } from "./jobTaskCounts.js";
import { MultiInstanceRuns } from "./multiInstance.js";
import { NodeCommands } from "./nodes.js";
import { PoolAutoscale } from "./poolAutoscale.js";
import { PoolCommands } from "./pools.js";
import { DEFAULT_PREEMPTION, Preemptions } from "./preemptions.js";
import type { JobRecord, TaskRecord } from "./records.js";
import { RemoteShells } from "./remoteShells.js";
import { ResizeTimeouts } from "./resizeTimeouts.js";
import { TaskDependencyGraph } from "./taskDependencies.js";
import { TaskRuns } from "./taskRuns.js";
import { TaskCommands } from "./tasks.js";
import { VirtualNetworkCommands } from "./virtualNetworks.js";

export class Account {
  readonly scheduler: Scheduler;
  readonly dispatches = new DispatchRegistry();
  readonly counts = new JobTaskCounts();
  readonly dependencies = new TaskDependencyGraph((jobId, taskId) => {
    const parent = this.store.getTask(jobId, taskId);
    return parent?.state === "completed" && satisfiesDependents(parent);
  });
  readonly pools: PoolCommands;
  readonly autoscale: PoolAutoscale;
  readonly certificates: CertificateCommands;
  readonly nodes: NodeCommands;
  readonly jobs: JobCommands;
  readonly jobSchedules: JobScheduleCommands;
  readonly tasks: TaskCommands;
  readonly runs: TaskRuns;
  readonly multiInstance: MultiInstanceRuns;
  readonly remoteShells: RemoteShells;
  readonly jobNodeTasks: JobNodeTasks;
  readonly agents: AgentReports;
  readonly applications: ApplicationCommands;
  readonly virtualNetworks: VirtualNetworkCommands;
  readonly preemptions: Preemptions;
  readonly resizeTimeouts: ResizeTimeouts;

  constructor(
    readonly store: Store,
    readonly config: AccountConfig,
    readonly nodeLink: NodeLink,
    readonly machines: Machines,
  ) {
    this.runs = new TaskRuns(this);
    this.jobNodeTasks = new JobNodeTasks(this);
    this.multiInstance = new MultiInstanceRuns(this);
    this.remoteShells = new RemoteShells(this);
    this.scheduler = new Scheduler(
      (poolId, nodeId, jobId, taskId) => this.runs.start(poolId, nodeId, jobId, taskId),
      this.multiInstance,
    );
    this.pools = new PoolCommands(this);
    this.resizeTimeouts = new ResizeTimeouts(this);
    this.autoscale = new PoolAutoscale(this);
    this.certificates = new CertificateCommands(this);
    this.nodes = new NodeCommands(this);
    this.jobs = new JobCommands(this);
    this.jobSchedules = new JobScheduleCommands(this);
    this.tasks = new TaskCommands(this);
    this.agents = new AgentReports(this);
    this.applications = new ApplicationCommands(this, new PackageArchives(config.applicationsDirectory));
    this.virtualNetworks = new VirtualNetworkCommands(this);
    this.preemptions = new Preemptions(this, config.preemption ?? DEFAULT_PREEMPTION);
  }

  /** Rebuilds the in-memory indexes from the store and recovers the machines of every pool. */
  start(): void {
    this.counts.load(this.store.taskStateCounts());
    this.counts.loadTotals(this.store.taskRunTotals());
    const pools = this.pools.all();
    const nodes = pools.flatMap((pool) => this.store.listNodes(pool.id));
    for (const pool of pools)
      this.scheduler.configurePool(pool.id, pool.spec.taskSchedulingPolicy?.nodeFillType ?? "spread");
    for (const node of nodes) this.nodes.loadAtStartup(node);
    for (const job of this.jobs.all()) {
      this.jobs.schedule(job);
      this.jobNodeTasks.loadAtStartup(job);
    }
    for (const task of this.store.listTasksInStates(["running", "preparing"])) this.runs.loadRunning(task);
    for (const task of this.store.listTasksInStates(["active"])) this.tasks.admit(task);
    this.machines.recover(pools, nodes);
    for (const node of nodes) this.store.putNode(node);
    this.agents.lostNodes.watchAtStartup(nodes);
    for (const pool of pools) this.pools.continueLifecycle(pool);
    this.jobSchedules.start();
    this.autoscale.start();
    this.preemptions.start();
    this.resizeTimeouts.start();
  }

  /**
   * The service's endpoint as a node reaches it, for the URLs sent to its agent (account URL, file
   * store): the gateway of its network when it lives in a namespace, where 127.0.0.1 is its own.
   */
  endpointSeenBy(poolId: string, nodeId: string): string {
    const gateway = this.store.getNode(poolId, nodeId)?.machine.network?.gateway;
    if (!gateway) return this.config.endpoint;
    const url = new URL(this.config.endpoint);
    url.hostname = gateway;
    return url.origin;
  }

  /** Stops the timers that would change state (the store is about to close). */
  stop(): void {
    this.jobSchedules.stop();
    this.autoscale.stop();
    this.preemptions.stop();
    this.resizeTimeouts.stop();
    this.agents.lostNodes.stop();
  }

  /** Persists a task and keeps the per-job counts in step with its state. */
  saveTask(task: TaskRecord, previous: TaskState | undefined): void {
    this.store.putTask(task);
    // A completed task stays in its bucket (succeeded or failed) whatever is saved about it later.
    if (previous !== task.state) this.counts.change(task.jobId, previous, bucketOf(task), slotsOf(task));
  }

  saveJob(job: JobRecord): void {
    this.store.putJob(job);
  }
}

/** A completed task lets its dependents run (tasks completed before dependencyAction was kept: if it succeeded). */
export function satisfiesDependents(task: TaskRecord): boolean {
  return (
    (task.dependencyAction ?? (task.executionInfo.result === "failure" ? "block" : "satisfy")) === "satisfy"
  );
}

/** Nodes the task runs on at once: more than 1 for a multi-instance task. */
export function instancesOf(task: TaskRecord): number {
  return task.spec.multiInstanceSettings?.numberOfInstances ?? 1;
}

export function slotsOf(task: TaskRecord): number {
  return task.reservedSlots ?? task.spec.requiredSlots ?? 1;
}
