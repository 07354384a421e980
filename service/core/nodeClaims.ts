/**
 * Which node an agent registers as. An agent that names its node gets it. A cloud VM's agent does not
 * know its node id: it names its machine (`machineId`, the cloud instance), and gets the node that
 * machine had before (after an agent restart or a reimage that wiped the stored id), else the oldest
 * node of the pool still waiting for a machine, which the machine then owns.
 */
import { BatchError } from "../../protocol/errors.js";
import type { NodeRecord, PoolRecord } from "./records.js";

export interface NodeClaim {
  nodeId?: string;
  machineId?: string;
}

/** The node the agent registers as (its `machine.machineId` set), or throws the refusal to send it. */
export function claimNode(pool: PoolRecord, nodes: readonly NodeRecord[], claim: NodeClaim): NodeRecord {
  const { nodeId, machineId } = claim;
  const live = nodes.filter((n) => n.state !== "leavingpool");
  const owned = machineId === undefined ? undefined : live.find((n) => n.machine.machineId === machineId);
  if (nodeId !== undefined) {
    const node = live.find((n) => n.id === nodeId);
    if (!node) throw new BatchError("NodeNotFound", `Node ${nodeId} is not a member of pool ${pool.id}.`);
    if (
      machineId !== undefined &&
      node.machine.machineId !== undefined &&
      node.machine.machineId !== machineId
    )
      throw new BatchError(
        "NodeNotFound",
        `Node ${nodeId} of pool ${pool.id} belongs to machine ${node.machine.machineId}, not ${machineId}; ` +
          "start the agent without --node-id (and with a fresh --root) to get a node for this machine.",
      );
    if (owned && owned !== node)
      throw new BatchError(
        "NodeNotFound",
        `Machine ${machineId} already is node ${owned.id} of pool ${pool.id}; start its agent without --node-id.`,
      );
    if (machineId !== undefined) node.machine.machineId = machineId;
    return node;
  }
  if (machineId === undefined)
    throw new BatchError(
      "NodeNotFound",
      `The agent named neither a node nor a machine of pool ${pool.id}: start it with --node-id, or with --machine-id <cloud instance id>.`,
    );
  if (owned) return owned;
  const waiting = live.find((n) => isWaitingForMachine(n));
  if (!waiting)
    throw new BatchError(
      "NodeNotFound",
      `No node of pool ${pool.id} is waiting for a machine, so machine ${machineId} has no node: ` +
        "resize the pool up, or remove this machine.",
    );
  waiting.machine.machineId = machineId;
  return waiting;
}

/** A node created by a resize whose machine has not registered yet, and that is not being removed. */
export function isWaitingForMachine(node: NodeRecord): boolean {
  return (
    (node.state === "creating" || node.state === "starting") &&
    node.machine.machineId === undefined &&
    !node.removal
  );
}
