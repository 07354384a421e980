/**
 * The target end of `openbatch-rsh` on a node: the contexts of the multi-instance tasks that have an
 * instance here (working directory and environment), and the commands the service asks to run in
 * them, each through `/bin/sh -c` as sshd would, as the leader of its own process group, its output
 * streamed back. When an instance ends, every command still running in its context is killed with
 * everything it started (MPI daemons and the ranks they forked).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import type { OutgoingAgentMessage, RemoteShellStartMessage } from "../protocol/agent.js";
import { errorText, type Log } from "./log.js";
import { exitCodeForSignal, signalProcessGroup } from "./processGroup.js";

interface TaskContext {
  cwd: string;
  env: Record<string, string>;
  sessions: Set<string>;
}

export class RemoteShellHost {
  readonly #contexts = new Map<string, TaskContext>();
  readonly #sessions = new Map<string, { child: ChildProcess; context: string }>();

  constructor(
    private readonly send: (message: OutgoingAgentMessage) => boolean,
    private readonly log: Log,
  ) {}

  /** An instance of task `jobId/taskId` runs here: remote commands for it run in this directory and environment. */
  open(jobId: string, taskId: string, cwd: string, env: Record<string, string>): void {
    this.#contexts.set(`${jobId}/${taskId}`, { cwd, env, sessions: new Set() });
  }

  /** The instance ended: kill what still runs in its context. */
  close(jobId: string, taskId: string): void {
    const key = `${jobId}/${taskId}`;
    const context = this.#contexts.get(key);
    this.#contexts.delete(key);
    for (const sessionId of context?.sessions ?? []) this.kill(sessionId);
  }

  start(message: RemoteShellStartMessage): void {
    const { sessionId } = message;
    const key = `${message.jobId}/${message.taskId}`;
    const context = this.#contexts.get(key);
    if (!context) {
      this.#refuse(
        sessionId,
        `task ${message.taskId} of job ${message.jobId} has no instance running on this node`,
      );
      return;
    }
    let child: ChildProcess;
    try {
      child = spawn("/bin/sh", ["-c", message.command], {
        cwd: context.cwd,
        env: context.env,
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      });
    } catch (error) {
      this.#refuse(sessionId, `cannot start /bin/sh: ${errorText(error)}`);
      return;
    }
    this.log.info(`rsh: session ${sessionId} for task ${key}: ${message.command.trim().slice(0, 120)}`);
    context.sessions.add(sessionId);
    this.#sessions.set(sessionId, { child, context: key });
    for (const stream of ["stdout", "stderr"] as const) {
      child[stream]!.on("data", (data: Buffer) =>
        this.send({ type: "remoteShellOutput", sessionId, stream, data: data.toString("base64") }),
      );
    }
    child.on("error", (error) => this.log.warn(`rsh: session ${sessionId}: ${errorText(error)}`));
    // `close`, not `exit`: the output is all read by then.
    child.on("close", (code, signal) => {
      this.#sessions.delete(sessionId);
      this.#contexts.get(key)?.sessions.delete(sessionId);
      // The shell is gone; what it left in its group (a daemon that outlived it) goes too.
      if (child.pid) signalProcessGroup(child.pid, "SIGKILL");
      this.send({
        type: "remoteShellExit",
        sessionId,
        exitCode: signal ? exitCodeForSignal(signal) : (code ?? 255),
      });
    });
  }

  /** The caller went away, or the instance ended: the command and everything it started are killed. */
  kill(sessionId: string): void {
    const pid = this.#sessions.get(sessionId)?.child.pid;
    if (pid === undefined) return;
    for (const descendant of descendantsOf(pid)) {
      try {
        process.kill(descendant, "SIGKILL");
      } catch {
        // already gone
      }
    }
    signalProcessGroup(pid, "SIGKILL");
  }

  #refuse(sessionId: string, why: string): void {
    const data = Buffer.from(`openbatch-rsh: ${why}\n`).toString("base64");
    this.send({ type: "remoteShellOutput", sessionId, stream: "stderr", data });
    this.send({ type: "remoteShellExit", sessionId, exitCode: 255 });
  }
}

/** Every process below `pid` (children that left its process group, such as forked MPI ranks, too). */
function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(parent) ?? [];
      list.push(Number(entry));
      children.set(parent, list);
    } catch {
      // exited while we looked
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}
