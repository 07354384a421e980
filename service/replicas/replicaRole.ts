/**
 * A replica's role, as a transition table. Every replica starts as a follower (it forwards REST and
 * relays agents to the leader, and waits for the lease); holding the lease it takes over (opens the
 * store, starts the account), then leads until it stops. A leader never becomes a follower again: a
 * leader that loses its database session exits, and a restarted process starts as a follower.
 */
import type { TransitionTable } from "../core/stateMachine.js";

export const replicaRoles = ["follower", "takingOver", "leader", "stopped"] as const;
export type ReplicaRole = (typeof replicaRoles)[number];

export const replicaRoleTable: TransitionTable<ReplicaRole> = {
  follower: ["takingOver", "stopped"],
  takingOver: ["leader", "stopped"],
  leader: ["stopped"],
  stopped: [],
};
