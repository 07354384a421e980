/** Node counts by state (Azure's `PoolNodeCounts`): what `GET /nodecounts` returns for each pool. */
import type { NodeCounts, PoolNodeCounts } from "../../protocol/rest/nodeCounts.js";
import type { NodeState } from "../../protocol/states.js";
import type { NodeRecord } from "./records.js";

/** The NodeCounts property that counts nodes in each state (Azure camel-cases them there). */
const countKey: Record<NodeState, Exclude<keyof NodeCounts, "total" | "upgradingOS">> = {
  creating: "creating",
  starting: "starting",
  waitingforstarttask: "waitingForStartTask",
  starttaskfailed: "startTaskFailed",
  idle: "idle",
  running: "running",
  rebooting: "rebooting",
  reimaging: "reimaging",
  leavingpool: "leavingPool",
  offline: "offline",
  unusable: "unusable",
  unknown: "unknown",
  preempted: "preempted",
};

/** Counts with no node in any state. */
export function noNodes(): NodeCounts {
  return {
    creating: 0,
    idle: 0,
    offline: 0,
    preempted: 0,
    rebooting: 0,
    reimaging: 0,
    running: 0,
    starting: 0,
    startTaskFailed: 0,
    leavingPool: 0,
    unknown: 0,
    unusable: 0,
    waitingForStartTask: 0,
    // Nodes here never upgrade their OS in place.
    upgradingOS: 0,
    total: 0,
  };
}

function countStates(nodes: readonly NodeRecord[]): NodeCounts {
  const counts = { ...noNodes(), total: nodes.length };
  for (const node of nodes) counts[countKey[node.state]]++;
  return counts;
}

export function poolNodeCounts(poolId: string, nodes: readonly NodeRecord[]): PoolNodeCounts {
  return {
    poolId,
    dedicated: countStates(nodes.filter((n) => n.isDedicated)),
    lowPriority: countStates(nodes.filter((n) => !n.isDedicated)),
  };
}
