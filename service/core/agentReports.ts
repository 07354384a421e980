/**
 * What agents tell the service: registration (with reconciliation of runs after a reconnect),
 * heartbeats, task starts and completions, and disconnection.
 */
import type {
  CertificatesInstalledMessage,
  HeartbeatMessage,
  RegisteredMessage,
  RegisterMessage,
  TaskCompletedMessage,
  TaskStartedMessage,
} from "../../protocol/agent.js";
import { BatchError } from "../../protocol/errors.js";
import type { NodeState } from "../../protocol/states.js";
import type { Account } from "./account.js";
import { checkDiskSpace } from "./diskSpace.js";
import { LostNodes } from "./lostNodes.js";
import { claimNode } from "./nodeClaims.js";
import { NodeHealth } from "./nodeHealth.js";
import type { NodeRecord, PoolRecord } from "./records.js";
import { StartTasks } from "./startTasks.js";
import { moveNode } from "./stateChange.js";
import { canTransition } from "./stateMachine.js";
import { nodeStateTable } from "./stateTables.js";
import { now } from "./time.js";

/** The node error (ComputeNodeError code) of a certificate the agent could not install. */
export const CERTIFICATE_INSTALLATION_FAILED = "CertificateInstallationFailed";

export type RegisteredReply = Omit<RegisteredMessage, "protocolVersion" | "requestId">;

export class AgentReports {
  readonly startTasks: StartTasks;
  /** The health history of every node, for the autoscale samples and the statistics. */
  readonly health = new NodeHealth();
  readonly lostNodes: LostNodes;

  constructor(private readonly account: Account) {
    this.startTasks = new StartTasks(account);
    this.lostNodes = new LostNodes(account);
  }

  /**
   * Checks an agent's registration and reconciles its runs: a run the service assigned to the node
   * that the agent neither runs nor has a pending report for was lost, and is requeued. Throws a
   * BatchError when the agent must not join (the gateway sends it as an `error` and closes).
   */
  register(msg: RegisterMessage): { pool: PoolRecord; node: NodeRecord; reply: RegisteredReply } {
    const { store, dispatches, runs } = this.account;
    const pool = store.getPool(msg.poolId);
    if (!pool) throw new BatchError("PoolNotFound", `Pool id: ${msg.poolId}.`);
    if (pool.state === "deleting") throw new BatchError("PoolBeingDeleted", `Pool id: ${msg.poolId}.`);
    if (msg.joinToken !== pool.joinToken)
      throw new BatchError("AuthenticationFailed", `Wrong join token for pool ${pool.id}.`);
    const node = claimNode(pool, store.listNodes(pool.id), msg);
    this.lostNodes.heard(pool.id, node.id);
    const known = new Set([...msg.runningDispatchIds, ...msg.unackedDispatchIds]);
    for (const d of dispatches.onNode(pool.id, node.id)) {
      if (known.has(d.dispatchId)) continue;
      if (d.kind === "startTask") {
        dispatches.remove(d.dispatchId);
        node.startTaskDispatchId = undefined;
        continue;
      }
      if (d.kind !== "task") {
        this.account.jobNodeTasks.lost(d);
        continue;
      }
      if (d.instance !== undefined) {
        this.account.multiInstance.lost(
          d,
          `node ${node.id} lost its instance of the task (its agent restarted)`,
        );
        continue;
      }
      const task = store.getTask(d.jobId, d.taskId);
      if (task && task.dispatchId === d.dispatchId) runs.requeue(task, "its node lost the run");
      else runs.endDispatch(d);
    }
    const cancelDispatchIds = msg.runningDispatchIds.filter((id) => !dispatches.get(id));
    const at = now();
    node.ipAddress = msg.ipAddress;
    node.agentVersion = msg.agentVersion;
    node.agentLastUpdateTime = at;
    const booting: NodeState[] = ["creating", "starting", "rebooting", "reimaging"];
    if (booting.includes(node.state)) node.lastBootTime = at;
    store.putNode(node);
    const reply: RegisteredReply = {
      type: "registered",
      replyTo: msg.requestId,
      poolId: pool.id,
      nodeId: node.id,
      accountName: this.account.config.accountName,
      accountUrl: this.account.endpointSeenBy(pool.id, node.id),
      isDedicated: node.isDedicated,
      heartbeatIntervalMs: this.account.config.heartbeatIntervalMs,
      nodeLostAfterMs: this.lostNodes.lostAfterMs,
      cancelDispatchIds,
      applicationPackages: this.account.applications.forNode(pool.spec.applicationPackageReferences),
    };
    const certificates = this.account.certificates.forNode(pool);
    if (certificates.length > 0) reply.certificates = certificates;
    return { pool, node, reply };
  }

  /**
   * The agent's connection is bound: bring the node into service. A node with nothing running on it
   * first installs the pool's application packages (sent in `registered`): it stays `starting`, with no
   * start task and no tasks, until the agent's `nodePrepared`.
   */
  online(poolId: string, nodeId: string): void {
    const { store } = this.account;
    const pool = store.getPool(poolId);
    const node = store.getNode(poolId, nodeId);
    if (!pool || !node) return;
    const runs = this.account.dispatches.onNode(poolId, nodeId);
    // Terminations requested while the node was away are sent again.
    for (const d of runs) {
      const task = d.kind === "task" ? store.getTask(d.jobId, d.taskId) : undefined;
      if (task?.terminateRequested)
        this.account.runs.sendTerminate(task, "terminate requested while the node was away");
    }
    if (
      pool.spec.applicationPackageReferences?.length &&
      runs.length === 0 &&
      canTransition(nodeStateTable, node.state, "starting")
    ) {
      moveNode(node, "starting");
      store.putNode(node);
      this.account.nodes.updateEligibility(node);
      return;
    }
    this.bringIntoService(pool, node);
  }

  /**
   * The agent installed the pool's application packages, or could not: the node then is `unusable`,
   * with one error per package in `errors`, and gets no tasks.
   */
  nodePrepared(poolId: string, nodeId: string, errors: { code: string; message: string }[]): void {
    const { store } = this.account;
    const pool = store.getPool(poolId);
    const node = store.getNode(poolId, nodeId);
    if (!pool || !node) return;
    const otherErrors = (node.errors ?? []).filter((error) => !error.code.startsWith("ApplicationPackage"));
    node.errors = otherErrors.length + errors.length > 0 ? [...otherErrors, ...errors] : undefined;
    if (errors.length > 0) {
      if (canTransition(nodeStateTable, node.state, "unusable")) moveNode(node, "unusable");
      store.putNode(node);
      this.account.nodes.updateEligibility(node);
      return;
    }
    if (node.state === "starting") this.bringIntoService(pool, node);
    else store.putNode(node);
  }

  private bringIntoService(pool: PoolRecord, node: NodeRecord): void {
    const { store } = this.account;
    const poolId = pool.id;
    const nodeId = node.id;
    const startTask = pool.spec.startTask;
    if (this.startTasks.needsRun(pool, node)) this.startTasks.run(pool, node);
    let next: NodeState = "idle"; // refreshActivity makes it `running` when it has tasks
    if (startTask?.waitForSuccess && node.startTaskDispatchId) next = "waitingforstarttask";
    else if (startTask?.waitForSuccess && node.startTaskInfo?.result === "failure") next = "starttaskfailed";
    if (node.state !== next) moveNode(node, next);
    store.putNode(node);
    this.account.nodes.refreshActivity(poolId, nodeId);
    this.account.nodes.updateEligibility(store.getNode(poolId, nodeId)!);
  }

  /**
   * The agent installed its pool's certificates: the node comes into service. A certificate it could
   * not install makes it `unusable` (no start task, no tasks), with the reasons in its `errors`.
   */
  certificatesInstalled(poolId: string, nodeId: string, msg: CertificatesInstalledMessage): void {
    const node = this.account.store.getNode(poolId, nodeId);
    if (!node) return;
    const otherErrors = (node.errors ?? []).filter((e) => e.code !== CERTIFICATE_INSTALLATION_FAILED);
    const failures = msg.failures.map((failure) => ({
      code: CERTIFICATE_INSTALLATION_FAILED,
      message: `Certificate sha1-${failure.thumbprint} could not be installed on the node: ${failure.message}. The node takes no tasks; check the certificate, then delete the pool or remove the node.`,
    }));
    const errors = [...otherErrors, ...failures];
    node.errors = errors.length > 0 ? errors : undefined;
    if (failures.length === 0) {
      this.online(poolId, nodeId);
      return;
    }
    if (node.state !== "unusable") moveNode(node, "unusable");
    this.account.store.putNode(node);
    this.account.nodes.updateEligibility(node);
  }

  /** Health joins the node's history; a full disk takes the node out of service, freed space brings it back. */
  heartbeat(poolId: string, nodeId: string, msg: HeartbeatMessage): void {
    const at = Date.now();
    this.lostNodes.heard(poolId, nodeId, at);
    const node = this.account.store.getNode(poolId, nodeId);
    if (!node) return;
    this.health.record(poolId, nodeId, msg.health, at, node.isDedicated);
    checkDiskSpace(this.account, node, msg.health);
  }

  taskStarted(msg: TaskStartedMessage): void {
    const dispatch = this.account.dispatches.get(msg.dispatchId);
    if (!dispatch) return;
    if (dispatch.kind === "startTask") this.startTasks.started(dispatch, msg.startTime);
    else if (dispatch.instance !== undefined) this.account.multiInstance.started(dispatch, msg.startTime);
    else if (dispatch.kind === "task") this.account.runs.started(dispatch, msg.startTime, msg.timing);
    else this.account.jobNodeTasks.started(dispatch, msg.startTime);
  }

  taskCompleted(msg: TaskCompletedMessage): void {
    const dispatch = this.account.dispatches.get(msg.dispatchId);
    if (!dispatch) return;
    if (dispatch.kind === "startTask") this.startTasks.finished(dispatch, msg);
    else if (dispatch.instance !== undefined) this.account.multiInstance.finished(dispatch, msg);
    else if (dispatch.kind === "task") this.account.runs.finished(dispatch, msg);
    else this.account.jobNodeTasks.finished(dispatch, msg);
  }

  /** The node left its pool for good: its history and lost-node timer go (its pool's sums stay). */
  nodeGone(poolId: string, nodeId: string): void {
    this.health.forgetNode(poolId, nodeId);
    this.lostNodes.forget(poolId, nodeId);
  }

  /**
   * Contact lost: the node is `unknown` and gets no tasks; its runs stay assigned until it returns, or
   * until it counts as lost (lostNodes.ts) and its tasks are requeued.
   */
  disconnected(poolId: string, nodeId: string): void {
    const node = this.account.store.getNode(poolId, nodeId);
    if (node && node.state !== "leavingpool") this.lostNodes.away(poolId, nodeId);
    // A rebooting (reimaging) node's agent goes away on purpose; it stays so until the new one registers.
    // A preempted node's agent was stopped with its machine.
    const away: NodeState[] = ["leavingpool", "rebooting", "reimaging", "preempted"];
    if (!node || away.includes(node.state)) return;
    moveNode(node, "unknown");
    this.account.store.putNode(node);
    this.account.nodes.updateEligibility(node);
  }
}
