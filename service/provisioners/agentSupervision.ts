/**
 * Supervision of local agents, as systemd would restart a VM's agent: the local provisioner learns
 * that a node's agent died — from the child's exit for an agent it started, by polling the pid of one
 * it adopted at start-up — and starts it again. An agent that dies soon after each start is restarted
 * with a growing delay, and after a few such deaths in a row not at all: its node is given up.
 *
 * Deaths on purpose (the provisioner's own stop, reboot, reimage, release) are not seen: the
 * provisioner forgets the agent before it stops it.
 */
import type { ChildProcess } from "node:child_process";

export interface SupervisionPolicy {
  /** An agent that dies within this long of its start died "at once". */
  quickExitMs: number;
  /** Give up after this many quick exits in a row. */
  maxQuickExits: number;
  /** Delay before the restart after the first quick exit; doubled after each further one. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** How often the pids of adopted agents are checked. */
  pollMs: number;
}

export const DEFAULT_SUPERVISION: SupervisionPolicy = {
  quickExitMs: 10_000,
  maxQuickExits: 5,
  firstDelayMs: 500,
  maxDelayMs: 10_000,
  pollMs: 1000,
};

/**
 * After an agent's exit: restart it after `delayMs`, or give up. `quickExits` counts the exits within
 * `quickExitMs` of their start, in a row, this one included (0: it ran long enough, restart at once).
 */
export function nextRestart(policy: SupervisionPolicy, quickExits: number): { delayMs: number } | "give up" {
  if (quickExits === 0) return { delayMs: 0 };
  if (quickExits >= policy.maxQuickExits) return "give up";
  return { delayMs: Math.min(policy.firstDelayMs * 2 ** (quickExits - 1), policy.maxDelayMs) };
}

export interface AgentExit {
  /** `exit code 1`, `signal SIGKILL`, or `gone` for an adopted agent (its status is not ours to learn). */
  how: string;
  /** Quick exits in a row, this one included (see `nextRestart`). */
  quickExits: number;
}

interface Watched {
  pid: number;
  startedAt: number;
  /** For an adopted agent: is it still alive? */
  alive?: () => boolean;
}

export class AgentSupervisor {
  private readonly watched = new Map<string, Watched>();
  private readonly quickExits = new Map<string, number>();
  private readonly restarts = new Map<string, NodeJS.Timeout>();
  private poller: NodeJS.Timeout | undefined;

  constructor(
    readonly policy: SupervisionPolicy,
    /** An agent died while watched; `key` is the node's `pool/node`. */
    private readonly onExit: (key: string, exit: AgentExit) => void,
  ) {}

  /** Watches an agent this service started: its exit is noticed at once. */
  watchChild(key: string, child: ChildProcess): void {
    if (child.pid === undefined) return;
    const pid = child.pid;
    this.watched.set(key, { pid, startedAt: Date.now() });
    child.once("exit", (code, signal) =>
      this.exited(key, pid, signal ? `signal ${signal}` : `exit code ${code}`),
    );
  }

  /**
   * Is `pid` the node's agent this service started, not yet seen to exit? Until its exit is handled
   * the pid cannot belong to another process, even before the child has exec'd the agent.
   */
  isOwnChild(key: string, pid: number): boolean {
    const watched = this.watched.get(key);
    return watched?.pid === pid && watched.alive === undefined;
  }

  /** Watches an agent adopted at start-up, by polling `alive`. */
  watchPid(key: string, pid: number, alive: () => boolean): void {
    // Its age is unknown: it counts as having run long enough.
    this.watched.set(key, { pid, startedAt: 0, alive });
    this.poller ??= setInterval(() => this.poll(), this.policy.pollMs);
    this.poller.unref();
  }

  /** Runs `restart` after `delayMs`, unless the node is forgotten first. */
  scheduleRestart(key: string, delayMs: number, restart: () => void): void {
    clearTimeout(this.restarts.get(key));
    const timer = setTimeout(() => {
      this.restarts.delete(key);
      restart();
    }, delayMs);
    timer.unref();
    this.restarts.set(key, timer);
  }

  /** The node's agent stops on purpose (or its node is gone): no restart, and its quick exits start over. */
  forget(key: string): void {
    this.watched.delete(key);
    this.quickExits.delete(key);
    clearTimeout(this.restarts.get(key));
    this.restarts.delete(key);
  }

  /** Stops watching everything (the service is closing; agents live on, as VMs would). */
  close(): void {
    for (const key of [...this.watched.keys(), ...this.restarts.keys()]) this.forget(key);
    clearInterval(this.poller);
    this.poller = undefined;
  }

  private poll(): void {
    let adopted = 0;
    for (const [key, watched] of this.watched) {
      if (!watched.alive) continue;
      adopted++;
      if (!watched.alive()) this.exited(key, watched.pid, "gone");
    }
    if (adopted === 0) {
      clearInterval(this.poller);
      this.poller = undefined;
    }
  }

  private exited(key: string, pid: number, how: string): void {
    const watched = this.watched.get(key);
    if (watched?.pid !== pid) return; // forgotten, or a newer agent is watched
    this.watched.delete(key);
    const quick = Date.now() - watched.startedAt < this.policy.quickExitMs;
    const quickExits = quick ? (this.quickExits.get(key) ?? 0) + 1 : 0;
    this.quickExits.set(key, quickExits);
    this.onExit(key, { how, quickExits });
  }
}
