/** The random preemptions' clock: a seeded Poisson process, and the preempted node's way out. */
import { describe, expect, it } from "vitest";
import { nextPreemptionDelayMs, seededRandom } from "../../../service/core/preemptions.js";
import { canTransition } from "../../../service/core/stateMachine.js";
import { nodeStateTable } from "../../../service/core/stateTables.js";

describe("random preemptions", () => {
  it("repeat with the same seed and differ with another", () => {
    const draws = (seed: number) => Array.from({ length: 5 }, seededRandom(seed));
    expect(draws(42)).toEqual(draws(42));
    expect(draws(42)).not.toEqual(draws(43));
    for (const value of draws(7)) expect(value >= 0 && value < 1).toBe(true);
  });

  it("come on average ratePerHour times an hour", () => {
    const random = seededRandom(1);
    const waits = Array.from({ length: 20_000 }, () => nextPreemptionDelayMs(6, random));
    const mean = waits.reduce((sum, wait) => sum + wait, 0) / waits.length;
    // 6 an hour: one every 10 minutes on average (the mean of 20,000 draws is within 3% of it).
    expect(mean / 600_000).toBeGreaterThan(0.97);
    expect(mean / 600_000).toBeLessThan(1.03);
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(0);
  });

  it("leave a preempted node only to come back (starting) or to leave the pool", () => {
    expect(nodeStateTable.preempted).toEqual(["starting", "leavingpool"]);
    for (const from of ["idle", "running", "offline", "unknown", "starting"] as const)
      expect(canTransition(nodeStateTable, from, "preempted")).toBe(true);
    for (const from of ["rebooting", "reimaging", "leavingpool", "creating"] as const)
      expect(canTransition(nodeStateTable, from, "preempted")).toBe(false);
    expect(canTransition(nodeStateTable, "preempted", "idle")).toBe(false);
  });
});
