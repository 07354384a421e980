/**
 * Fencing for an agent that cannot fence itself. The agent ends its tasks when its service lease runs
 * out (agent/serviceLease.ts), but a stopped or stalled agent (SIGSTOP, a blocked event loop) runs no
 * timer, while its tasks, in process groups of their own, keep running — and the service requeues
 * them elsewhere. So a small watchdog process holds the lease's expiry, fed by the agent on every
 * renewal; at the expiry it ends the tasks' process groups (SIGTERM, SIGKILL after the grace) itself.
 * It starts with the lease (at registration), not with the first task: a process started under load
 * takes a while to load, which the lease may not leave it. It exits when the agent closes its stdin
 * (the agent stopped, or died: a restarted agent adopts the tasks and starts a watchdog of its own).
 *
 * The watchdog finds the tasks itself when the lease runs out: every wrapper (taskWrapper.ts) whose
 * status path is under the agent's exit-status directory, as a restarted agent finds them. So the
 * agent tells it nothing per task — a line per task start cost the agent a write and the watchdog a
 * wake-up, and left a task spawned just before a SIGSTOP unknown to it. The agent names only the
 * exceptions: the node's own start, preparation and release tasks (left alone, as the agent leaves
 * them; named at their dispatch, before their spawn), and the groups no status path leads to (a
 * coordination command's).
 *
 * This file is both the agent's handle (`LeaseWatchdog`) and, run as a script, the watchdog itself.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { errorText, type Log } from "./log.js";
import { signalProcessGroup } from "./processGroup.js";
import { runningWrappers } from "./taskWrapper.js";

/** What the watchdog holds: when the lease runs out (epoch ms; null: never) and whom to end then. */
export interface WatchdogState {
  expiresAt: number | null;
  /** Where the wrappers of the agent's runs write their status (NodeDirectories.exitStatuses). */
  exitStatuses: string;
  graceMs: number;
  /** Runs to leave alone: the node's start, preparation and release tasks. */
  exemptDispatchIds: string[];
  /** Process group leaders to end besides the wrappers found under the exit-status directory. */
  pids: number[];
}

const SCRIPT = fileURLToPath(import.meta.url);

/** The agent's side: starts the watchdog and tells it every change. */
export class LeaseWatchdog {
  readonly #log: Log;
  #child: ChildProcess | undefined;
  #sent = "";

  constructor(log: Log) {
    this.#log = log;
  }

  update(state: WatchdogState): void {
    const line = JSON.stringify(state);
    if (line === this.#sent) return;
    if (!this.#child) {
      if (state.expiresAt === null) return;
      this.#start();
    }
    this.#sent = line;
    this.#child?.stdin?.write(`${line}\n`);
  }

  stop(): void {
    this.#child?.stdin?.end();
    this.#child = undefined;
    this.#sent = "";
  }

  #start(): void {
    const child = spawn(process.execPath, [SCRIPT], {
      stdio: ["pipe", "ignore", "inherit"],
    });
    child.on("error", (error) => this.#log.warn(`agent: lease watchdog: ${errorText(error)}`));
    child.on("exit", () => {
      if (this.#child === child) {
        this.#child = undefined;
        this.#sent = "";
      }
    });
    // The agent must not wait for it, nor fail on a pipe to a watchdog that died.
    child.stdin?.on("error", () => {});
    child.unref();
    this.#child = child;
  }
}

/** The watchdog process: keeps the latest state, and ends the tasks once the lease has run out. */
function runWatchdog(): void {
  let state: WatchdogState | undefined;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    if (!state || state.expiresAt === null) return;
    timer = setTimeout(expire, Math.max(0, state.expiresAt - Date.now()));
  };
  const expire = () => {
    if (!state || state.expiresAt === null || Date.now() < state.expiresAt) return arm();
    const exempt = new Set(state.exemptDispatchIds);
    const pids = new Set(state.pids);
    for (const wrapper of runningWrappers(state.exitStatuses))
      if (!exempt.has(wrapper.dispatchId)) pids.add(wrapper.pid);
    for (const pid of pids) signalProcessGroup(pid, "SIGTERM");
    setTimeout(() => {
      for (const pid of pids) signalProcessGroup(pid, "SIGKILL");
    }, state.graceMs).unref();
  };
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    try {
      state = JSON.parse(line) as WatchdogState;
      arm();
    } catch {
      // a torn line from a dying agent: keep the last state
    }
  });
  lines.on("close", () => process.exit(0));
}

if (process.argv[1] === SCRIPT) runWatchdog();
