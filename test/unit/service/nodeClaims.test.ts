import { describe, expect, it } from "vitest";
import { claimNode } from "../../../service/core/nodeClaims.js";
import type { NodeRecord, PoolRecord } from "../../../service/core/records.js";

const pool = { id: "p1" } as PoolRecord;
const node = (id: string, state: NodeRecord["state"], machineId?: string, removal?: NodeRecord["removal"]) =>
  ({ poolId: "p1", id, state, removal, machine: { rootDirectory: "", machineId } }) as NodeRecord;

describe("claimNode", () => {
  it("gives a new machine the oldest node waiting for one, and records the machine on it", () => {
    const nodes = [
      node("n1", "idle", "vm_0"),
      node("n2", "starting", undefined, "requeue"),
      node("n3", "starting"),
      node("n4", "creating"),
    ];
    const claimed = claimNode(pool, nodes, { machineId: "vm_7" });
    expect(claimed.id).toBe("n3");
    expect(claimed.machine.machineId).toBe("vm_7");
    expect(claimNode(pool, nodes, { machineId: "vm_8" }).id).toBe("n4");
  });

  it("gives a machine that registered before the same node again", () => {
    const nodes = [node("n1", "unknown", "vm_0"), node("n2", "starting")];
    expect(claimNode(pool, nodes, { machineId: "vm_0" }).id).toBe("n1");
    expect(nodes[1]!.machine.machineId).toBeUndefined();
  });

  it("refuses a machine when no node waits, and an agent that names neither node nor machine", () => {
    const nodes = [node("n1", "idle", "vm_0"), node("n2", "leavingpool")];
    expect(() => claimNode(pool, nodes, { machineId: "vm_1" })).toThrow(
      /No node of pool p1 is waiting for a machine/,
    );
    expect(() => claimNode(pool, nodes, {})).toThrow(/--node-id, or with --machine-id/);
  });

  it("lets an agent name its node, recording its machine, unless another machine has it", () => {
    const nodes = [node("n1", "idle", "vm_0"), node("n2", "starting"), node("n3", "leavingpool")];
    expect(claimNode(pool, nodes, { nodeId: "n2", machineId: "vm_1" }).machine.machineId).toBe("vm_1");
    expect(() => claimNode(pool, nodes, { nodeId: "n1", machineId: "vm_9" })).toThrow(
      /belongs to machine vm_0/,
    );
    expect(() => claimNode(pool, nodes, { nodeId: "n2", machineId: "vm_0" })).toThrow(
      /belongs to machine vm_1/,
    );
    expect(() => claimNode(pool, nodes, { nodeId: "n3" })).toThrow(/not a member of pool p1/);
    expect(claimNode(pool, nodes, { nodeId: "n1" }).id).toBe("n1");
  });
});
