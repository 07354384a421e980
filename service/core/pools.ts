/**
 * Pools: add, get, delete, resize and stop-resize. A resize creates node records and asks the
 * machines for them, or picks nodes to remove and removes them as `nodeDeallocationOption` says:
 *   requeue / terminate: running tasks are requeued / ended at once, and the node leaves;
 *   taskcompletion / retaineddata: the node takes no new tasks and leaves when its tasks are done.
 */
import { randomBytes } from "node:crypto";
import { BatchError } from "../../protocol/errors.js";
import type { NodeRemoveParameter } from "../../protocol/rest/node.js";
import type {
  PoolAddParameter,
  PoolResizeParameter,
  PoolUpdatePropertiesParameter,
} from "../../protocol/rest/pool.js";
import type { NodeDeallocationOption } from "../../protocol/states.js";
import type { AutoscaleTargets } from "../autoscale/evaluator.js";
import type { Account } from "./account.js";
import { ownNetworkFor } from "./poolNetworks.js";
import { firstVersion, type NodeRecord, type PoolRecord } from "./records.js";
import { moveAllocation, moveNode, movePool, touch } from "./stateChange.js";
import { now } from "./time.js";

const DEFAULT_RESIZE_TIMEOUT = "PT15M";
/** A cloud that keeps refusing fills resizeErrors with its latest complaints, not without end. */
const MAX_RESIZE_ERRORS = 10;

/** Nodes removed first when a pool shrinks: those doing the least. */
const removalOrder = [
  "preempted",
  "unknown",
  "creating",
  "starting",
  "starttaskfailed",
  "unusable",
  "offline",
  "waitingforstarttask",
  "idle",
  "running",
];

export class PoolCommands {
  constructor(private readonly account: Account) {}

  add(spec: PoolAddParameter): PoolRecord {
    const { store } = this.account;
    if (store.getPool(spec.id)) throw new BatchError("PoolExists", `Pool id: ${spec.id}.`);
    this.account.applications.checkReferences(
      spec.applicationPackageReferences,
      "applicationPackageReferences",
    );
    this.account.certificates.checkReferences(spec.certificateReferences);
    this.account.virtualNetworks.checkPoolSubnet(spec);
    const autoScale = this.account.autoscale.settingsForAdd(spec);
    // Only the local provisioner puts nodes on networks of their own.
    const ownNetwork = this.account.machines.networkIsolation && ownNetworkFor(spec, this.all());
    const at = now();
    const pool: PoolRecord = {
      ...firstVersion(spec.id, store.nextSeq("pools"), spec, "active" as const, at),
      allocationState: "steady",
      allocationStateTransitionTime: at,
      targetDedicatedNodes: spec.targetDedicatedNodes ?? 0,
      targetLowPriorityNodes: spec.targetLowPriorityNodes ?? 0,
      resizeTimeout: spec.resizeTimeout ?? DEFAULT_RESIZE_TIMEOUT,
      nodeDeallocationOption: "requeue",
      joinToken: randomBytes(24).toString("base64url"),
      nodeCounter: 0,
      ...(autoScale ? { autoScale } : {}),
      ...(ownNetwork ? { ownNetwork } : {}),
    };
    this.account.scheduler.configurePool(pool.id, spec.taskSchedulingPolicy?.nodeFillType ?? "spread");
    if (pool.targetDedicatedNodes + pool.targetLowPriorityNodes > 0) moveAllocation(pool, "resizing", at);
    store.putPool(pool);
    this.applyTargets(pool);
    this.account.resizeTimeouts.arm(pool);
    if (autoScale) this.account.autoscale.evaluateNow(pool.id);
    return pool;
  }

  get(poolId: string): PoolRecord {
    const pool = this.account.store.getPool(poolId);
    if (!pool) throw new BatchError("PoolNotFound", `Pool id: ${poolId}.`);
    return pool;
  }

  all(): PoolRecord[] {
    return this.account.store.listPools({ limit: Number.MAX_SAFE_INTEGER });
  }

  resize(poolId: string, params: PoolResizeParameter): void {
    const pool = this.activePool(poolId);
    if (pool.autoScale) throw new BatchError("AutoScaleEnabled", `Pool id: ${poolId}.`);
    if (pool.allocationState !== "steady") {
      throw new BatchError("PoolIsResizing", `Pool ${poolId} is ${pool.allocationState}.`);
    }
    pool.targetDedicatedNodes = params.targetDedicatedNodes ?? pool.targetDedicatedNodes;
    pool.targetLowPriorityNodes = params.targetLowPriorityNodes ?? pool.targetLowPriorityNodes;
    pool.resizeTimeout = params.resizeTimeout ?? pool.resizeTimeout;
    pool.nodeDeallocationOption = params.nodeDeallocationOption ?? "requeue";
    // resizeErrors describe the last resize only.
    pool.resizeErrors = undefined;
    moveAllocation(pool, "resizing");
    this.account.store.putPool(pool);
    this.applyTargets(pool);
    this.account.resizeTimeouts.arm(pool);
  }

  /**
   * Removes the named nodes (Azure's `removenodes`): the pool resizes down by as many, and exactly these
   * nodes leave, their running tasks treated as `nodeDeallocationOption` says.
   */
  removeNodes(poolId: string, params: NodeRemoveParameter): void {
    const pool = this.activePool(poolId);
    if (pool.allocationState !== "steady") {
      throw new BatchError(
        "PoolIsResizing",
        `Pool ${poolId} is ${pool.allocationState}; remove nodes once its allocationState is steady.`,
      );
    }
    const ids = [...new Set(params.nodeList)];
    const nodes = ids.map((id) => this.account.store.getNode(poolId, id));
    const missing = ids.filter((_, i) => !nodes[i]);
    if (missing.length > 0)
      throw new BatchError(
        "NodeNotFound",
        `Pool ${poolId} has no node ${missing.join(", ")}; nothing was removed.`,
      );
    const found = nodes as NodeRecord[];
    const leaving = found.filter((n) => n.removal || n.state === "leavingpool");
    if (leaving.length > 0)
      throw new BatchError(
        "OperationNotValidOnNode",
        `Node ${leaving.map((n) => n.id).join(", ")} is already leaving pool ${poolId}; nothing was removed.`,
      );
    const dedicated = found.filter((n) => n.isDedicated).length;
    pool.targetDedicatedNodes = Math.max(0, pool.targetDedicatedNodes - dedicated);
    pool.targetLowPriorityNodes = Math.max(0, pool.targetLowPriorityNodes - (found.length - dedicated));
    pool.resizeTimeout = params.resizeTimeout ?? pool.resizeTimeout;
    pool.nodeDeallocationOption = params.nodeDeallocationOption ?? "requeue";
    pool.resizeErrors = undefined;
    moveAllocation(pool, "resizing");
    this.account.store.putPool(pool);
    for (const node of found) this.removeNode(pool, node, pool.nodeDeallocationOption);
    this.applyTargets(pool);
    this.account.resizeTimeouts.arm(pool);
  }

  /** Replaces the start task (for nodes that join or reboot from now on) and the metadata. */
  updateProperties(poolId: string, params: PoolUpdatePropertiesParameter): void {
    const pool = this.activePool(poolId);
    pool.spec = { ...pool.spec, startTask: params.startTask, metadata: params.metadata };
    touch(pool);
    this.account.store.putPool(pool);
  }

  /** Stops a resize where it is: the targets become the nodes the pool has now. */
  stopResize(poolId: string): void {
    const pool = this.activePool(poolId);
    if (pool.allocationState === "steady") throw new BatchError("PoolNotResizing", `Pool id: ${poolId}.`);
    moveAllocation(pool, "stopping");
    const staying = this.account.store.listNodes(poolId).filter((n) => !n.removal);
    pool.targetDedicatedNodes = staying.filter((n) => n.isDedicated).length;
    pool.targetLowPriorityNodes = staying.length - pool.targetDedicatedNodes;
    this.account.store.putPool(pool);
    this.settle(pool);
  }

  delete(poolId: string): void {
    const pool = this.get(poolId);
    if (pool.state === "deleting") return;
    movePool(pool, "deleting");
    this.account.autoscale.forget(poolId);
    if (pool.allocationState === "steady") moveAllocation(pool, "resizing");
    pool.targetDedicatedNodes = 0;
    pool.targetLowPriorityNodes = 0;
    pool.nodeDeallocationOption = "requeue";
    this.account.store.putPool(pool);
    this.applyTargets(pool);
  }

  /** At start-up: finish what a pool was doing when the service stopped. */
  continueLifecycle(pool: PoolRecord): void {
    for (const node of this.account.store.listNodes(pool.id)) {
      if (node.state === "leavingpool") this.release(pool, node);
    }
    this.applyTargets(pool);
  }

  /** The machines could not follow the pool's targets (a cloud API refused): the pool's `resizeErrors` say why. */
  recordResizeError(poolId: string, error: { code: string; message: string }): void {
    const pool = this.account.store.getPool(poolId);
    if (!pool) return;
    const kept = (pool.resizeErrors ?? []).filter((e) => e.message !== error.message);
    pool.resizeErrors = [...kept, error].slice(-MAX_RESIZE_ERRORS);
    touch(pool);
    this.account.store.putPool(pool);
  }

  /**
   * The resize outlived its `resizeTimeout`: it stops where it is. Nodes still waiting for their tasks
   * to end stay in the pool and take tasks again, the targets become the nodes the pool keeps, and
   * `resizeErrors` says what happened.
   */
  timeOutResize(pool: PoolRecord): void {
    const { store } = this.account;
    for (const node of store.listNodes(pool.id)) {
      if (!node.removal || node.state === "leavingpool") continue;
      node.removal = undefined;
      store.putNode(node);
      this.account.nodes.updateEligibility(node);
    }
    const staying = store.listNodes(pool.id).filter((n) => !n.removal);
    pool.targetDedicatedNodes = staying.filter((n) => n.isDedicated).length;
    pool.targetLowPriorityNodes = staying.length - pool.targetDedicatedNodes;
    pool.resizeErrors = [
      {
        code: "AllocationTimedOut",
        message: `The resize did not finish within its resizeTimeout ${pool.resizeTimeout}; the pool keeps the nodes it has (nodes still running tasks were not removed). Resize again, with a longer resizeTimeout or nodeDeallocationOption requeue.`,
      },
    ];
    touch(pool);
    store.putPool(pool);
    this.settle(pool);
  }

  /** A node's tasks changed: a node waiting to leave with `taskcompletion` leaves once it has none. */
  afterNodeActivity(node: NodeRecord): void {
    if (!node.removal || node.state === "leavingpool") return;
    if (this.account.nodes.running(node.poolId, node.id).tasks > 0) return;
    const pool = this.account.store.getPool(node.poolId);
    if (pool) this.leave(pool, node);
  }

  /**
   * Applies an autoscale evaluation's targets: the pool resizes as a resize would, even while an earlier
   * resize is still under way (nodes already leaving keep leaving).
   */
  autoscaleTo(poolId: string, targets: AutoscaleTargets): void {
    const pool = this.account.store.getPool(poolId);
    if (!pool || pool.state === "deleting") return;
    if (
      pool.targetDedicatedNodes === targets.targetDedicatedNodes &&
      pool.targetLowPriorityNodes === targets.targetLowPriorityNodes
    )
      return;
    pool.targetDedicatedNodes = targets.targetDedicatedNodes;
    pool.targetLowPriorityNodes = targets.targetLowPriorityNodes;
    pool.nodeDeallocationOption = targets.nodeDeallocationOption;
    pool.resizeErrors = undefined;
    if (pool.allocationState === "steady") moveAllocation(pool, "resizing");
    this.account.store.putPool(pool);
    this.applyTargets(pool);
  }

  activePool(poolId: string): PoolRecord {
    const pool = this.get(poolId);
    if (pool.state === "deleting") throw new BatchError("PoolBeingDeleted", `Pool id: ${poolId}.`);
    return pool;
  }

  /** Creates or removes nodes until the pool's nodes match its targets. */
  private applyTargets(pool: PoolRecord): void {
    const staying = this.account.store
      .listNodes(pool.id)
      .filter((n) => !n.removal && n.state !== "leavingpool");
    for (const dedicated of [true, false]) {
      const have = staying.filter((n) => n.isDedicated === dedicated);
      const target = dedicated ? pool.targetDedicatedNodes : pool.targetLowPriorityNodes;
      if (have.length < target) this.createNodes(pool, target - have.length, dedicated);
      const surplus = have.length - target;
      if (surplus > 0) {
        const victims = [...have]
          .sort((a, b) => removalOrder.indexOf(a.state) - removalOrder.indexOf(b.state))
          .slice(0, surplus);
        for (const node of victims) this.removeNode(pool, node, pool.nodeDeallocationOption);
      }
    }
    this.settle(pool);
  }

  private createNodes(pool: PoolRecord, count: number, dedicated: boolean): void {
    const { store, machines } = this.account;
    const at = now();
    const nodes: NodeRecord[] = [];
    for (let i = 0; i < count; i++) {
      pool.nodeCounter++;
      const id = `tvmps_${String(pool.nodeCounter).padStart(6, "0")}_${dedicated ? "d" : "p"}`;
      nodes.push({
        poolId: pool.id,
        id,
        state: "creating",
        schedulingState: "enabled",
        stateTransitionTime: at,
        allocationTime: at,
        isDedicated: dedicated,
        totalTasksRun: 0,
        totalTasksSucceeded: 0,
        machine: { rootDirectory: machines.rootDirectory(pool.id, id) },
      });
    }
    touch(pool, at);
    store.putPool(pool);
    machines.provision(pool, nodes);
    for (const node of nodes) {
      moveNode(node, "starting", at);
      store.putNode(node);
      this.account.scheduler.addNode(pool.id, node.id, pool.spec.taskSlotsPerNode ?? 1);
    }
  }

  private removeNode(pool: PoolRecord, node: NodeRecord, option: NodeDeallocationOption): void {
    const { store } = this.account;
    node.removal = option;
    store.putNode(node);
    this.account.scheduler.setNodeEligible(pool.id, node.id, false);
    if (option === "requeue" || option === "terminate")
      this.endRuns(
        pool,
        node,
        option,
        `The node running the task was removed from pool ${pool.id} with nodeDeallocationOption 'terminate'.`,
      );
    this.afterNodeActivity(store.getNode(pool.id, node.id)!);
  }

  /**
   * Ends every run on a node that goes away (removed, rebooted): tasks are requeued, or completed as
   * failed with `why`; preparation and release runs end as lost.
   */
  endRuns(pool: PoolRecord, node: NodeRecord, option: "requeue" | "terminate", why: string): void {
    const { runs, dispatches, store } = this.account;
    for (const d of dispatches.onNode(pool.id, node.id)) {
      if (d.kind === "jobPreparation" || d.kind === "jobRelease") {
        this.account.jobNodeTasks.lost(d);
        continue;
      }
      if (d.instance !== undefined) {
        this.account.multiInstance.lost(d, `node ${node.id} left the pool: ${why}`);
        continue;
      }
      const task = d.kind === "task" ? store.getTask(d.jobId, d.taskId) : undefined;
      if (!task || task.dispatchId !== d.dispatchId) {
        runs.endDispatch(d);
      } else if (option === "requeue") {
        runs.requeue(task, "its node left the pool");
      } else {
        runs.endDispatch(d);
        runs.complete(task, { category: "servererror", code: "NodeRemoved", message: why });
      }
    }
  }

  private leave(pool: PoolRecord, node: NodeRecord): void {
    moveNode(node, "leavingpool");
    this.account.store.putNode(node);
    this.account.scheduler.removeNode(pool.id, node.id);
    this.release(pool, node);
  }

  private release(pool: PoolRecord, node: NodeRecord): void {
    const forget = () => {
      this.account.store.deleteNode(pool.id, node.id);
      this.account.agents.nodeGone(pool.id, node.id);
      const current = this.account.store.getPool(pool.id);
      if (current) this.settle(current);
    };
    // A machine that would not go is said in the pool's resize errors; the node leaves all the same
    // (an unhandled rejection would end the service, and a node that never leaves blocks the pool).
    void this.account.machines.release(node).then(forget, (error: unknown) => {
      this.recordResizeError(pool.id, {
        code: "NodeReleaseFailed",
        message: `The machine of node ${node.id} was not released cleanly: ${error instanceof Error ? error.message : String(error)}`,
      });
      forget();
    });
  }

  /** A resize is done when no node is still on its way out. */
  private settle(pool: PoolRecord): void {
    if (pool.allocationState === "steady") return;
    const leaving = this.account.store.listNodes(pool.id).some((n) => n.removal);
    if (leaving) return;
    if (pool.state === "deleting") {
      if (this.account.store.listNodes(pool.id).length === 0) {
        this.account.store.deletePool(pool.id);
        this.account.scheduler.dropPool(pool.id);
        this.account.agents.health.forgetPool(pool.id);
        this.account.certificates.removeDeleted();
      }
      return;
    }
    moveAllocation(pool, "steady");
    this.account.store.putPool(pool);
  }
}
