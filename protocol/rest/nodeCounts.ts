import Type, { type Static } from "typebox";

const count = Type.Integer({ minimum: 0 });

/** How many nodes of one kind (dedicated or low-priority) a pool has in each state, as Azure names them. */
export const NodeCounts = Type.Object({
  creating: count,
  idle: count,
  offline: count,
  preempted: count,
  rebooting: count,
  reimaging: count,
  running: count,
  starting: count,
  startTaskFailed: count,
  leavingPool: count,
  unknown: count,
  unusable: count,
  waitingForStartTask: count,
  upgradingOS: count,
  total: count,
});
export type NodeCounts = Static<typeof NodeCounts>;

/** One pool's entry in `GET /nodecounts`. */
export const PoolNodeCounts = Type.Object({
  poolId: Type.String(),
  dedicated: NodeCounts,
  lowPriority: NodeCounts,
});
export type PoolNodeCounts = Static<typeof PoolNodeCounts>;
