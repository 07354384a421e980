/**
 * One task's OS process: spawned without a shell interpreting its command line, under the exit-status
 * wrapper (taskWrapper.ts) that leads a new process group, its stdout and stderr written straight to
 * files by the kernel (no pipes through the agent, so output survives an agent restart and costs the
 * agent nothing), or adopted by pid after an agent restart, its exit status then read from the file
 * the wrapper left.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, openSync } from "node:fs";
import type { FailureReport } from "../protocol/agent.js";
import { errorText } from "./log.js";
import { isProcessAlive, processStartTicks, signalProcessGroup } from "./processGroup.js";
import { readExitStatus, wrappedArgv } from "./taskWrapper.js";

/** How a process ended; both absent when it is unknown (an adopted process whose wrapper was killed). */
export interface ProcessExit {
  exitCode?: number;
  signal?: NodeJS.Signals;
}

export interface SpawnSpec {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  stdoutPath: string;
  stderrPath: string;
  /** Where the wrapper writes the exit status, for an agent that restarts meanwhile. */
  statusPath: string;
  /** What the process leaves running in its group outlives it (a coordination command's daemons). */
  keepGroupAfterExit?: boolean;
}

export type SpawnOutcome = { ok: true; process: TaskProcess } | { ok: false; failure: FailureReport };

export class TaskProcess {
  readonly pid: number;
  /** Where its wrapper writes the exit status (`/dev/null` for a coordination command's). */
  readonly statusPath: string;
  /** Settles once the process is gone and anything it left in its group was killed. */
  readonly exited: Promise<ProcessExit>;
  #killTimer: NodeJS.Timeout | undefined;

  private constructor(pid: number, statusPath: string, exit: Promise<ProcessExit>, keepGroup = false) {
    this.pid = pid;
    this.statusPath = statusPath;
    this.exited = exit.then((result) => {
      clearTimeout(this.#killTimer);
      // A task owns its process group: what it left running in the background dies with it.
      if (!keepGroup) signalProcessGroup(pid, "SIGKILL");
      return result;
    });
  }

  static async spawn(spec: SpawnSpec): Promise<SpawnOutcome> {
    const [shell, ...args] = wrappedArgv(spec.statusPath, spec.argv) as [string, ...string[]];
    let stdout: number | undefined;
    let stderr: number | undefined;
    let child: ChildProcess;
    try {
      stdout = openSync(spec.stdoutPath, "w");
      stderr = openSync(spec.stderrPath, "w");
      child = spawn(shell, args, {
        cwd: spec.cwd,
        env: spec.env,
        detached: true,
        stdio: ["ignore", stdout, stderr],
      });
    } catch (error) {
      return { ok: false, failure: spawnFailure(shell, error) };
    } finally {
      // The child holds its own copies; the agent must not keep output files open.
      if (stdout !== undefined) closeSync(stdout);
      if (stderr !== undefined) closeSync(stderr);
    }
    if (child.pid === undefined) {
      const [error] = (await once(child, "error")) as [Error];
      return { ok: false, failure: spawnFailure(shell, error) };
    }
    const pid = child.pid;
    const exit = new Promise<ProcessExit>((resolve) => {
      child.once("exit", (code, signal) =>
        resolve({ exitCode: code ?? undefined, signal: signal ?? undefined }),
      );
    });
    child.on("error", () => {}); // later errors (a failed kill) must not crash the agent; exit still arrives
    return { ok: true, process: new TaskProcess(pid, spec.statusPath, exit, spec.keepGroupAfterExit) };
  }

  /**
   * Watches a process the previous agent started; when it ends, its exit code is the status its
   * wrapper wrote to `statusPath`. `undefined` when it is gone already.
   */
  static adopt(pid: number, statusPath: string, pollMs: number): TaskProcess | undefined {
    const startTicks = processStartTicks(pid);
    if (!isProcessAlive(pid, startTicks)) return undefined;
    const exit = new Promise<ProcessExit>((resolve) => {
      const timer = setInterval(() => {
        if (isProcessAlive(pid, startTicks)) return;
        clearInterval(timer);
        resolve({ exitCode: readExitStatus(statusPath) });
      }, pollMs);
    });
    return new TaskProcess(pid, statusPath, exit);
  }

  /** SIGTERM to the whole group now, SIGKILL after `graceMs` if the process is still there. */
  stop(graceMs: number): void {
    signalProcessGroup(this.pid, "SIGTERM");
    clearTimeout(this.#killTimer);
    this.#killTimer = setTimeout(() => signalProcessGroup(this.pid, "SIGKILL"), graceMs);
  }
}

/** Turns a failed spawn into a report that says what failed and what to do. */
export function spawnFailure(program: string, error: unknown): FailureReport {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") {
    const where = program.includes("/") ? "" : " on the task's PATH";
    return {
      category: "usererror",
      code: "CommandProgramNotFound",
      message: `The program '${program}' (or the interpreter its #! line names) was not found${where}; install it, for example in the pool's start task, or give its full path.`,
    };
  }
  if (code === "EACCES" || code === "EPERM" || code === "ENOEXEC") {
    return {
      category: "usererror",
      code: "CommandProgramNotExecutable",
      message: `The program '${program}' cannot be executed (${code}); make it executable (chmod +x) or run it through its interpreter, e.g. /bin/sh ${program}.`,
    };
  }
  return {
    category: "usererror",
    code: "CommandProgramStartFailed",
    message: `The program '${program}' could not be started: ${errorText(error)}; check the command line.`,
  };
}
