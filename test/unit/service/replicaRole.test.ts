import { describe, expect, it } from "vitest";
import {
  assertTransition,
  canTransition,
  IllegalTransitionError,
} from "../../../service/core/stateMachine.js";
import { replicaRoles, replicaRoleTable } from "../../../service/replicas/replicaRole.js";

describe("replica roles", () => {
  it("list every role, with targets that are roles", () => {
    expect(Object.keys(replicaRoleTable).sort()).toEqual([...replicaRoles].sort());
    for (const targets of Object.values(replicaRoleTable))
      for (const t of targets) expect(replicaRoles).toContain(t);
  });

  it("lead only through a takeover, and never follow again", () => {
    expect(canTransition(replicaRoleTable, "follower", "leader")).toBe(false);
    expect(() => assertTransition("replica role", replicaRoleTable, "leader", "follower")).toThrow(
      IllegalTransitionError,
    );
    expect(() => assertTransition("replica role", replicaRoleTable, "takingOver", "follower")).toThrow(
      /replica role: illegal transition takingOver → follower/,
    );
    for (const to of ["follower", "takingOver", "leader"] as const)
      expect(canTransition(replicaRoleTable, "stopped", to)).toBe(false);
    expect(canTransition(replicaRoleTable, "follower", "takingOver")).toBe(true);
    expect(canTransition(replicaRoleTable, "takingOver", "leader")).toBe(true);
  });
});
