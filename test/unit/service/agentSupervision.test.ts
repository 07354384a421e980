import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  AgentSupervisor,
  DEFAULT_SUPERVISION,
  nextRestart,
} from "../../../service/provisioners/agentSupervision.js";

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

describe("AgentSupervisor.isOwnChild", () => {
  it("knows a child it watches until its exit is handled, and never an adopted or forgotten pid", async () => {
    const supervisor = new AgentSupervisor(DEFAULT_SUPERVISION, () => {});
    const child = spawn("/bin/sleep", ["30"]);
    const pid = child.pid!;
    supervisor.watchChild("p/n", child);
    expect(supervisor.isOwnChild("p/n", pid)).toBe(true);
    expect(supervisor.isOwnChild("p/other", pid)).toBe(false);
    expect(supervisor.isOwnChild("p/n", pid + 1)).toBe(false);
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    expect(supervisor.isOwnChild("p/n", pid)).toBe(false);
    supervisor.watchPid("p/adopted", process.pid, () => true);
    expect(supervisor.isOwnChild("p/adopted", process.pid)).toBe(false);
    supervisor.close();
  });
});
