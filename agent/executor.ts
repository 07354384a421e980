/**
 * Runs dispatches: prepares the Azure Batch directories and environment, starts the process, enforces
 * `maxWallClockTimeMs`, terminates on request, and reports `taskStarted`/`taskCompleted`. Every
 * dispatch is recorded on disk so a restarted agent adopts what still runs and reports what died.
 *
 * Failure codes this file reports (FailureReport.code):
 * - usererror `CommandLineInvalid`: the command line cannot be split (unterminated quote, empty).
 * - usererror `CommandProgramNotFound` / `CommandProgramNotExecutable` / `CommandProgramStartFailed`.
 * - usererror `MaxWallClockTimeExceeded`: killed after the task's maxWallClockTime.
 * - usererror `TaskEnded`: terminated by the service (terminate, cancel, node shutdown).
 * - servererror `AgentRestarted`: the agent restarted while the task ran; its exit code is unknown.
 * - servererror `TaskFenced`: the agent lost the service for `nodeLostAfterMs` and ended the task, which
 *   the service requeues (agent/serviceLease.ts); the service has it run elsewhere, not retried.
 * - servererror `NodeShuttingDown`: dispatched while the agent was shutting down; never started.
 * - servererror `DispatchInvalid`: job or task id unusable as a directory name (a service bug).
 * - servererror `TaskDirectoryCreationFailed`: the task's directories could not be created (disk).
 * - application packages (packages.ts), resource file downloads (resourceFiles.ts) and output file
 *   uploads (outputFiles.ts) report their own.
 */
import { readdirSync, rmSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import type { DispatchMessage, FailureReport, OutgoingAgentMessage } from "../protocol/agent.js";
import { ID_REGEX } from "../protocol/apiVersion.js";
import { preciseNow } from "../protocol/clock.js";
import { argvOrFailure } from "./commandLine.js";
import type { DispatchRecords, TaskCompletion } from "./dispatchRecords.js";
import { errorText, type Log } from "./log.js";
import type { MultiInstanceRuns } from "./multiInstanceRun.js";
import { createTaskDirectories, type NodeDirectories, type TaskDirectories } from "./nodeDirectories.js";
import type { Outbox } from "./outbox.js";
import { uploadOutputFiles } from "./outputFiles.js";
import type { PackageInstaller } from "./packages.js";
import { exitCodeForSignal, signalProcessGroup } from "./processGroup.js";
import { downloadResourceFiles } from "./resourceFiles.js";
import { buildTaskEnvironment, type NodeIdentity } from "./taskEnvironment.js";
import { type ProcessExit, type SpawnSpec, spawnFailure, TaskProcess } from "./taskProcess.js";
import { TaskRetention } from "./taskRetention.js";
import { execProblem, readExitStatus, runningWrappers, statusPathOf } from "./taskWrapper.js";

export interface ExecutorOptions {
  directories: NodeDirectories;
  records: DispatchRecords;
  outbox: Outbox;
  /** Installs the dispatches' application packages and knows the pool's. */
  packages: PackageInstaller;
  /** Sends a report to the service (reliably, for taskStarted/taskCompleted). */
  report: (message: OutgoingAgentMessage) => void;
  /** The node as the service described it in the latest `registered`. */
  node: () => NodeIdentity | undefined;
  log: Log;
  /** SIGTERM→SIGKILL grace when the agent itself ends a task (wall clock, cancel, shutdown). */
  killGraceMs: number;
  /** How often to check whether an adopted process (from before a restart) is still alive. */
  adoptPollMs?: number;
  /** Runs the instances of multi-instance tasks (their coordination, and `openbatch-rsh`). */
  multiInstance?: MultiInstanceRuns;
  /**
   * Whether the service may have given this node's tasks to others (agent/serviceLease.ts): a task that
   * ends then, however it ended, is reported `TaskFenced`.
   */
  leaseExpired?: () => boolean;
}

interface RunningDispatch {
  dispatch: DispatchMessage;
  /** `preciseNow()` when the dispatch arrived; absent for a run adopted after an agent restart. */
  receivedAt?: number;
  process?: TaskProcess;
  /** What the agent itself started, to tell the shell failing to run the program from the program's exit. */
  spawned?: { program: string; cwd: string; path: string | undefined };
  startTime?: string;
  /** Why the agent is ending the task, once it decided to; the first reason wins. */
  ending?: { failure: FailureReport; graceMs: number };
  finished?: Promise<void>;
}

export class Executor {
  readonly #options: ExecutorOptions;
  readonly #running = new Map<string, RunningDispatch>();
  readonly #retention: TaskRetention;
  #accepting = true;

  constructor(options: ExecutorOptions) {
    this.#options = options;
    this.#retention = new TaskRetention(options.log);
  }

  runningDispatchIds(): string[] {
    return [...this.#running.keys()];
  }

  /**
   * For fencing (agent/leaseWatchdog.ts), which ends every wrapper whose status is under
   * `exitStatuses` unless its dispatch is named here: the running start, preparation and release
   * tasks, which no other node would run for this one. Known from the dispatch on, before the spawn.
   */
  nodeDispatchIds(): string[] {
    const ids: string[] = [];
    for (const [id, entry] of this.#running) if (entry.dispatch.kind !== "task") ids.push(id);
    return ids;
  }

  /**
   * Process group leaders of running tasks that fencing cannot find by their status path: those whose
   * wrapper keeps none (a multi-instance task's coordination command).
   */
  unlistedTaskProcessIds(): number[] {
    const listed = `${this.#options.directories.exitStatuses}/`;
    const pids: number[] = [];
    for (const entry of this.#running.values()) {
      const process = entry.dispatch.kind === "task" ? entry.process : undefined;
      if (process && !process.statusPath.startsWith(listed)) pids.push(process.pid);
    }
    return pids;
  }

  /**
   * At startup: adopt recorded runs whose process still runs (found by its wrapper's status path), and
   * report those that ended while the agent was down, with the exit status their wrapper left.
   */
  recover(): void {
    const { records, outbox, log, directories } = this.#options;
    const wrappers = new Map(
      runningWrappers(directories.exitStatuses).map(({ dispatchId, pid }) => [dispatchId, pid]),
    );
    const running = new Set<string>();
    for (const record of records.loadAll()) {
      if (record.state === "completed" && record.completion)
        this.#retain(record.dispatch, record.completion.endTime);
      if (record.state !== "running") continue;
      const id = record.dispatch.dispatchId;
      // Crashed after queueing the completion but before recording it: the outbox has the truth.
      const queued = outbox.pendingCompletion(id);
      if (queued) {
        records.save({ ...record, state: "completed", completion: queued });
        continue;
      }
      running.add(id);
      const entry: RunningDispatch = { dispatch: record.dispatch, startTime: record.startTime };
      this.#running.set(id, entry);
      const statusPath = this.#statusPath(id);
      const pid = wrappers.get(id);
      const adopted =
        pid === undefined ? undefined : TaskProcess.adopt(pid, statusPath, this.#options.adoptPollMs ?? 1000);
      if (!adopted) {
        // No status either: the wrapper was killed, or the agent died before it spawned it.
        const exitCode = readExitStatus(statusPath);
        log.warn(
          `executor: dispatch ${id} ended while the agent was down, ${exitCode === undefined ? "its exit status unknown" : `exit status ${exitCode}`}`,
        );
        entry.finished = this.#finish(entry, { exitCode });
        continue;
      }
      log.info(`executor: adopted dispatch ${id} (pid ${adopted.pid}) from before the restart`);
      entry.process = adopted;
      entry.finished = this.#watch(entry, adopted);
    }
    // The statuses of runs that are over (their completion is recorded) are left from a crash.
    for (const name of readdirSync(directories.exitStatuses)) {
      if (!running.has(decodeURIComponent(name)))
        rmSync(join(directories.exitStatuses, name), { force: true });
    }
  }

  dispatch(message: DispatchMessage): void {
    const { records, outbox, report, log } = this.#options;
    const id = message.dispatchId;
    if (this.#running.has(id)) {
      log.info(`executor: dispatch ${id} is already running; ignoring the duplicate`);
      return;
    }
    const record = records.load(id);
    if (record?.state === "completed" && record.completion) {
      // The service did not see the completion (or lost it): say it again, unless it still waits in the outbox.
      log.info(`executor: dispatch ${id} already finished; re-sending its completion`);
      if (!outbox.pendingCompletion(id)) report(record.completion);
      return;
    }
    const entry: RunningDispatch = { dispatch: message, receivedAt: preciseNow() };
    this.#running.set(id, entry);
    if (!this.#accepting) {
      this.#complete(entry, {
        failure: {
          category: "servererror",
          code: "NodeShuttingDown",
          message: "The node is shutting down and did not start the task; run it on another node.",
        },
      });
      return;
    }
    entry.finished = this.#run(entry);
  }

  /** Ends a running task: SIGTERM to its process group, SIGKILL after `graceMs`. */
  terminate(dispatchId: string, graceMs: number, reason: string): void {
    const entry = this.#running.get(dispatchId);
    if (!entry) {
      this.#options.log.info(`executor: terminate for ${dispatchId}, which is not running; nothing to do`);
      return;
    }
    this.#end(
      entry,
      { category: "usererror", code: "TaskEnded", message: `Task was terminated: ${reason}` },
      graceMs,
    );
  }

  /**
   * The service lease ran out: ends every task's run (not the node's own start, preparation and
   * release tasks, which no other node would run for it), reported as `TaskFenced`.
   */
  fenceTasks(graceMs: number): void {
    for (const entry of this.#running.values())
      if (entry.dispatch.kind === "task") this.#end(entry, taskFenced(), graceMs);
  }

  /** Stops accepting dispatches, terminates every task, and resolves once all have been reported. */
  async terminateAll(reason: string): Promise<void> {
    this.#accepting = false;
    const entries = [...this.#running.values()];
    for (const entry of entries) this.terminate(entry.dispatch.dispatchId, this.#options.killGraceMs, reason);
    await Promise.all(entries.map((e) => e.finished));
  }

  /** Last resort when the agent crashes: SIGKILL every task's process group, synchronously. */
  killAllNow(): void {
    for (const entry of this.#running.values()) {
      if (entry.process) signalProcessGroup(entry.process.pid, "SIGKILL");
    }
  }

  async #run(entry: RunningDispatch): Promise<void> {
    const { dispatch } = entry;
    const prepared = this.#prepare(dispatch);
    if ("failure" in prepared) {
      this.#complete(entry, { failure: prepared.failure });
      return;
    }
    // A terminate during the downloads ends the run before its command starts.
    const notStarted =
      (await this.#options.packages.installForRun(dispatch.applicationPackages)) ??
      (await downloadResourceFiles(dispatch.resourceFiles, prepared.cwd)) ??
      entry.ending?.failure;
    if (notStarted) {
      this.#complete(entry, { failure: notStarted });
      return;
    }
    if (dispatch.multiInstance && this.#options.multiInstance) {
      // The primary's wall clock bounds the whole run, from its coordination on: a coordination
      // that hangs, or a peer that never reports, ends it too (the service ends the other instances).
      const wallClock = this.#armWallClock(entry);
      const instance = await this.#options.multiInstance.run(
        entry,
        prepared,
        this.#directoriesOf(dispatch).taskDir,
      );
      clearTimeout(wallClock);
      if (instance !== "runApplication") {
        this.#complete(entry, { ...instance, startTime: entry.startTime });
        return;
      }
    }
    // The start time is taken before the spawn: the process may have run for a while when the spawn
    // resolves, and a task's wall-clock time must cover all of its life (an instance's, from its start).
    const startTime = entry.startTime ?? new Date().toISOString();
    // Recorded before the spawn, which takes milliseconds (fork and exec): an agent killed at any
    // moment after this line leaves a record by which the next one finds the run — its process by
    // the wrapper's status path in /proc, or the status it left — and never an unknown process that
    // the service would run a second time.
    this.#options.records.save({ dispatch, state: "running", startTime });
    const outcome = await TaskProcess.spawn(prepared);
    const spawnedAt = preciseNow();
    if (!outcome.ok) {
      this.#complete(entry, { failure: outcome.failure });
      return;
    }
    const taskProcess = outcome.process;
    entry.process = taskProcess;
    entry.spawned = { program: prepared.argv[0]!, cwd: prepared.cwd, path: prepared.env.PATH };
    entry.startTime = startTime;
    this.#options.report({
      type: "taskStarted",
      dispatchId: dispatch.dispatchId,
      pid: taskProcess.pid,
      startTime: entry.startTime,
      timing: entry.receivedAt === undefined ? undefined : { receivedAt: entry.receivedAt, spawnedAt },
    });
    // A terminate that arrived while the process was being spawned.
    if (entry.ending) taskProcess.stop(entry.ending.graceMs);
    await this.#watch(entry, taskProcess);
  }

  /** Ends the run once its maxWallClockTime has passed since its start (or from now, before it starts). */
  #armWallClock(entry: RunningDispatch): NodeJS.Timeout | undefined {
    const limit = entry.dispatch.maxWallClockTimeMs;
    if (limit === undefined) return undefined;
    const elapsed = entry.startTime ? Date.now() - Date.parse(entry.startTime) : 0;
    return setTimeout(
      () =>
        this.#end(
          entry,
          {
            category: "usererror",
            code: "MaxWallClockTimeExceeded",
            message: `The task ran longer than its maxWallClockTime (${limit} ms) and was killed; raise the constraint or make the task faster.`,
          },
          this.#options.killGraceMs,
        ),
      Math.max(0, limit - elapsed),
    );
  }

  async #watch(entry: RunningDispatch, taskProcess: TaskProcess): Promise<void> {
    const wallClock = this.#armWallClock(entry);
    const exit: ProcessExit = await taskProcess.exited;
    clearTimeout(wallClock);
    // Once the lease ran out the service may have requeued the task: whatever the outcome, it is fenced.
    const fenced = entry.dispatch.kind === "task" && this.#options.leaseExpired?.() === true;
    await this.#finish(entry, exit, fenced ? taskFenced() : undefined);
  }

  /** Reports how a run that started ended, once its process is gone; `fence` overrides its outcome. */
  async #finish(entry: RunningDispatch, exit: ProcessExit, fence?: FailureReport): Promise<void> {
    const outcomeKnown = exit.exitCode !== undefined || exit.signal !== undefined;
    const spawned = entry.spawned;
    const problem = spawned && execProblem(exit.exitCode, spawned.program, spawned.cwd, spawned.path);
    if (problem && !entry.ending && !fence) {
      this.#complete(entry, {
        startTime: entry.startTime,
        failure: spawnFailure(spawned.program, Object.assign(new Error(problem), { code: problem })),
      });
      return;
    }
    const failure = fence ?? entry.ending?.failure ?? (outcomeKnown ? undefined : agentRestarted());
    // With the outcome unknown, there is nothing to decide an upload condition on.
    const uploadFailure = outcomeKnown
      ? await uploadOutputFiles(
          entry.dispatch.outputFiles,
          this.#directoriesOf(entry.dispatch).taskDir,
          exit.exitCode === 0 && !failure,
        )
      : undefined;
    this.#complete(entry, {
      ...exitFields(exit),
      startTime: entry.startTime,
      failure: failure ?? uploadFailure,
    });
  }

  /** Every instance of the multi-instance task coordinated: its primary runs the application command. */
  runApplication(dispatchId: string): void {
    this.#options.multiInstance?.runApplication(dispatchId);
  }

  #end(entry: RunningDispatch, failure: FailureReport, graceMs: number): void {
    if (entry.ending) return;
    entry.ending = { failure, graceMs };
    this.#options.multiInstance?.ending(entry.dispatch.dispatchId);
    this.#options.log.info(`executor: ending dispatch ${entry.dispatch.dispatchId}: ${failure.code}`);
    entry.process?.stop(graceMs);
  }

  /** Builds everything the spawn needs, or the failure that prevents it. */
  #prepare(dispatch: DispatchMessage): SpawnSpec | { failure: FailureReport } {
    const { directories } = this.#options;
    const node = this.#options.node();
    const isTask = dispatch.kind !== "startTask";
    if (!node || (isTask && !(ID_REGEX.test(dispatch.jobId) && ID_REGEX.test(dispatch.taskId)))) {
      return {
        failure: {
          category: "servererror",
          code: "DispatchInvalid",
          message: `The dispatch cannot be run: ${node ? `job id '${dispatch.jobId}' or task id '${dispatch.taskId}' is not a valid id` : "the node is not registered"}; this is a service bug, report it.`,
        },
      };
    }
    const task = this.#directoriesOf(dispatch);
    this.#retention.cancel(task.taskDir);
    try {
      createTaskDirectories(task);
    } catch (error) {
      return {
        failure: {
          category: "servererror",
          code: "TaskDirectoryCreationFailed",
          message: `Could not create ${task.workingDir}: ${errorText(error)}; check the node's disk.`,
        },
      };
    }
    const argv = argvOrFailure(dispatch.commandLine);
    if ("failure" in argv) return argv;
    const env = buildTaskEnvironment({
      node,
      directories,
      task,
      kind: dispatch.kind,
      jobId: dispatch.jobId,
      taskId: dispatch.taskId,
      environment: dispatch.environment,
      packageVariables: this.#options.packages.variables(dispatch.applicationPackages),
    });
    return {
      argv,
      cwd: task.workingDir,
      env,
      stdoutPath: task.stdoutPath,
      stderrPath: task.stderrPath,
      statusPath: this.#statusPath(dispatch.dispatchId),
    };
  }

  #statusPath(dispatchId: string): string {
    return statusPathOf(this.#options.directories.exitStatuses, dispatchId);
  }

  #directoriesOf(dispatch: DispatchMessage): TaskDirectories {
    const { directories } = this.#options;
    return dispatch.kind === "startTask"
      ? directories.startTask()
      : directories.task(dispatch.jobId, dispatch.taskId);
  }

  /** Schedules the deletion of a finished run's task directory, if the dispatch asked for one. */
  #retain(dispatch: DispatchMessage, endTime: string): void {
    if (dispatch.retentionTimeMs === undefined || dispatch.kind === "startTask") return;
    this.#retention.schedule(
      this.#directoriesOf(dispatch).taskDir,
      Date.parse(endTime),
      dispatch.retentionTimeMs,
    );
  }

  #complete(entry: RunningDispatch, fields: Omit<TaskCompletion, "type" | "dispatchId" | "endTime">): void {
    const { dispatch } = entry;
    const completion: TaskCompletion = {
      type: "taskCompleted",
      dispatchId: dispatch.dispatchId,
      ...stripUndefined(fields),
      endTime: new Date().toISOString(),
    };
    // Outbox first, record second: after a crash in between, recover() finds the completion in the outbox.
    this.#options.report(completion);
    this.#options.records.save({
      dispatch,
      state: "completed",
      startTime: entry.startTime,
      completion,
    });
    this.#running.delete(dispatch.dispatchId);
    // Its wrapper's status is in the record now. One unlink(2) here costs less than a round trip
    // through libuv's thread pool (fs/promises' rm is a stat and an unlink there, each waking a thread).
    if (entry.process || entry.receivedAt === undefined) removeStatus(this.#statusPath(dispatch.dispatchId));
    if (dispatch.multiInstance)
      this.#options.multiInstance?.finish(entry, this.#directoriesOf(dispatch).taskDir);
    this.#retain(dispatch, completion.endTime);
    const code = completion.failure ? ` (${completion.failure.code})` : "";
    this.#options.log.info(
      `executor: dispatch ${dispatch.dispatchId} completed, exit code ${completion.exitCode}${code}`,
    );
  }
}

/** Deletes a run's exit status file; one that is not there (the wrapper was killed first) is fine. */
function removeStatus(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // ENOENT: nothing was written; anything else leaves a file that recover() removes at the next start
  }
}

function exitFields(exit: ProcessExit): { exitCode?: number; signal?: string } {
  if (exit.signal) return { exitCode: exitCodeForSignal(exit.signal), signal: exit.signal };
  return { exitCode: exit.exitCode };
}

function taskFenced(): FailureReport {
  return {
    category: "servererror",
    code: "TaskFenced",
    message:
      "The node lost contact with the service for longer than nodeLostAfterMs, so the task was ended there; the service runs it on another node.",
  };
}

function agentRestarted(): FailureReport {
  return {
    category: "servererror",
    code: "AgentRestarted",
    message:
      "The node agent restarted while the task ran, so its exit code is unknown; the task may be retried.",
  };
}

/** JSON drops undefined anyway; stripping keeps records and messages identical to what the service sees. */
function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
