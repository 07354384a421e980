/**
 * Nodes the service has lost touch with. A node whose agent is away (its connection closed, or the
 * gateway closed it after missed heartbeats) is `unknown` at once and gets no new task, but its runs
 * stay assigned: an agent keeps running its tasks through a short outage (a service restart) and
 * reports them when it is back. Once nothing has been heard from it for `nodeLostAfterMs` plus a safety
 * margin, its tasks are requeued without counting a retry (Azure: a node failure is not the task's
 * failure) and run elsewhere; the node stays `unknown` until its agent returns or it is removed.
 *
 * No task runs twice at once (fencing): the agent learns `nodeLostAfterMs` in `registered` and ends
 * its tasks itself once the service has not answered it for that long, measured on its own clock from
 * when it *sent* the last message the service answered (agent/serviceLease.ts). The service measures
 * from when it *received* the agent's last heartbeat, which is later, and waits the margin on top:
 * two heartbeat intervals plus a tenth of `nodeLostAfterMs`, for timers that fire late and clocks that
 * run at slightly different rates. After a service restart it counts from its own start.
 *
 * Job preparation, release and start tasks stay with the node: no other node would run them for it.
 */
import type { Account } from "./account.js";
import { nodeKey } from "./dispatches.js";
import type { NodeRecord } from "./records.js";
import { TimerPerKey } from "./timerPerKey.js";

/** Azure gives an unresponsive node some minutes too before it acts; a default that rides out restarts. */
export const DEFAULT_NODE_LOST_AFTER_MS = 5 * 60_000;

export class LostNodes {
  private readonly lastHeard = new Map<string, number>();
  private readonly timers = new TimerPerKey((key) => this.lost(key));

  constructor(private readonly account: Account) {}

  get lostAfterMs(): number {
    return this.account.config.nodeLostAfterMs ?? DEFAULT_NODE_LOST_AFTER_MS;
  }

  /** How much longer than the agent the service waits before it requeues (see the file comment). */
  get marginMs(): number {
    return 2 * this.account.config.heartbeatIntervalMs + Math.ceil(this.lostAfterMs / 10);
  }

  /** The agent registered or sent a heartbeat. */
  heard(poolId: string, nodeId: string, at = Date.now()): void {
    const key = nodeKey(poolId, nodeId);
    this.lastHeard.set(key, at);
    this.timers.clear(key);
  }

  /** The agent's connection is gone: its tasks are requeued if it is not back in time. */
  away(poolId: string, nodeId: string): void {
    const key = nodeKey(poolId, nodeId);
    const since = this.lastHeard.get(key) ?? Date.now();
    this.timers.at(key, since + this.lostAfterMs + this.marginMs);
  }

  /** At start-up every node is away until its agent registers; the service's start is the last contact. */
  watchAtStartup(nodes: NodeRecord[]): void {
    const at = Date.now();
    for (const node of nodes) {
      if (node.state === "leavingpool") continue;
      this.lastHeard.set(nodeKey(node.poolId, node.id), at);
      this.away(node.poolId, node.id);
    }
  }

  /** The node left its pool. */
  forget(poolId: string, nodeId: string): void {
    const key = nodeKey(poolId, nodeId);
    this.timers.clear(key);
    this.lastHeard.delete(key);
  }

  stop(): void {
    this.timers.clearAll();
  }

  private lost(key: string): void {
    const [poolId, nodeId] = splitKey(key);
    const { store, runs, dispatches, nodeLink } = this.account;
    const node = store.getNode(poolId, nodeId);
    if (!node || nodeLink.isConnected(poolId, nodeId) || node.state === "leavingpool") return;
    for (const d of dispatches.onNode(poolId, nodeId)) {
      if (d.kind !== "task") continue;
      const task = store.getTask(d.jobId, d.taskId);
      if (task && task.dispatchId === d.dispatchId) runs.requeue(task, "its node was lost");
      else runs.endDispatch(d);
    }
    this.account.jobNodeTasks.requeueWaitingOn(poolId, nodeId);
  }
}

function splitKey(key: string): [string, string] {
  const slash = key.indexOf("/");
  return [key.slice(0, slash), key.slice(slash + 1)];
}
