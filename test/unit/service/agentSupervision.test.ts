import { describe, expect, it } from "vitest";
import { DEFAULT_SUPERVISION, nextRestart } from "../../../service/provisioners/agentSupervision.js";

describe("nextRestart", () => {
  const policy = { ...DEFAULT_SUPERVISION, firstDelayMs: 500, maxDelayMs: 3000, maxQuickExits: 5 };

  it("restarts an agent that ran long enough at once", () => {
    expect(nextRestart(policy, 0)).toEqual({ delayMs: 0 });
  });

  it("doubles the delay after each quick exit in a row, up to the cap, then gives up", () => {
    expect([1, 2, 3, 4, 5].map((n) => nextRestart(policy, n))).toEqual([
      { delayMs: 500 },
      { delayMs: 1000 },
      { delayMs: 2000 },
      { delayMs: 3000 },
      "give up",
    ]);
  });
});
