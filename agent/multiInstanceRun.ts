/**
 * One instance of a multi-instance task on this node (the dispatch's `multiInstance`), between the
 * executor's preparation of the run and its application command:
 *   1. the MPI environment and hostfiles (below), and `commonResourceFiles` in the task directory;
 *   2. the task's context opened for `openbatch-rsh` sessions (remoteShellHost.ts);
 *   3. the coordination command, if there is one; its exit code 0 is reported as `coordinationCompleted`;
 *   4. the primary (instance 0) waits for `runApplication`, then the executor runs its command line;
 *      any other instance holds the context until it is terminated, and ends as its coordination did.
 * Whatever way the dispatch ends, `finish` kills what still runs in the context.
 *
 * Failure codes (FailureReport.code): usererror `CoordinationCommandFailed` (it exited non-zero; its
 * output is in `coordination-stdout.txt` / `coordination-stderr.txt` in the task directory).
 */
import { createHash } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import type {
  DispatchMessage,
  DispatchMultiInstance,
  FailureReport,
  OutgoingAgentMessage,
} from "../protocol/agent.js";
import { argvOrFailure } from "./commandLine.js";
import type { TaskCompletion } from "./dispatchRecords.js";
import { signalProcessGroup } from "./processGroup.js";
import type { RemoteShellHost } from "./remoteShellHost.js";
import type { RemoteShellRelay } from "./remoteShellRelay.js";
import { downloadResourceFiles } from "./resourceFiles.js";
import { type SpawnSpec, TaskProcess } from "./taskProcess.js";

/** The part of the executor's record of a running dispatch that an instance run reads and sets. */
export interface InstanceEntry {
  dispatch: DispatchMessage;
  process?: TaskProcess;
  startTime?: string;
  ending?: { failure: FailureReport };
}

export type InstanceOutcome = "runApplication" | Omit<TaskCompletion, "type" | "dispatchId" | "endTime">;

/** Azure's example port in AZ_BATCH_MASTER_NODE (`<address>:<port>`); nothing listens on it by itself. */
const MASTER_PORT = 6000;

export class MultiInstanceRuns {
  /** Waiting instances, woken by `runApplication` (true) or by the end of their dispatch (false). */
  readonly #waiting = new Map<string, (runApplication: boolean) => void>();
  readonly #released = new Set<string>();
  /** Coordination processes by dispatch: their groups (background daemons) live until the dispatch ends. */
  readonly #coordination = new Map<string, number>();
  /**
   * Instances that coordinated and hold their node (the primary: until it is told to run the
   * application). `coordinationCompleted` is not kept in the outbox: it is said again on every
   * registration, which also covers a `runApplication` lost with a connection, or a service restart.
   */
  readonly #coordinated = new Set<string>();

  constructor(
    private readonly host: RemoteShellHost,
    private readonly relay: RemoteShellRelay,
    private readonly report: (message: OutgoingAgentMessage) => void,
  ) {}

  /** Steps 1 to 4 above; `prepared.env` gains the MPI variables, for the application command too. */
  async run(entry: InstanceEntry, prepared: SpawnSpec, taskDir: string): Promise<InstanceOutcome> {
    const { dispatch } = entry;
    const mi = dispatch.multiInstance!;
    const scratch = scratchDirectory(taskDir);
    mkdirSync(scratch, { recursive: true });
    prepared.env = { ...prepared.env, ...this.environment(mi, taskDir, scratch, prepared.env.PATH) };
    writeHostfiles(mi, taskDir);
    const fetchFailure = await downloadResourceFiles(mi.commonResourceFiles, taskDir);
    if (fetchFailure) return { failure: fetchFailure };
    this.host.open(dispatch.jobId, dispatch.taskId, prepared.cwd, prepared.env);
    entry.startTime = new Date().toISOString();
    const coordination = await this.coordinate(entry, prepared, taskDir);
    if (coordination) return coordination;
    if (entry.ending) return { exitCode: 0, failure: entry.ending.failure };
    this.#coordinated.add(dispatch.dispatchId);
    this.report({ type: "coordinationCompleted", dispatchId: dispatch.dispatchId });
    const runApplication = await this.wait(dispatch.dispatchId);
    if (mi.instance === 0 && runApplication) return "runApplication";
    // Any other instance ends when it is terminated: as its coordination command did.
    return mi.instance === 0 ? { exitCode: 0, failure: endingOf(entry)?.failure } : { exitCode: 0 };
  }

  /** The service says every instance coordinated: the primary's application command may run. */
  runApplication(dispatchId: string): void {
    const wake = this.#waiting.get(dispatchId);
    if (wake) {
      this.#coordinated.delete(dispatchId);
      wake(true);
    } else this.#released.add(dispatchId);
  }

  /** Says again which instances coordinated (after a registration: the old connection may have lost it). */
  reportCoordinated(): void {
    for (const dispatchId of this.#coordinated) this.report({ type: "coordinationCompleted", dispatchId });
  }

  /** The dispatch is being ended (terminated, shutdown): a waiting instance stops waiting. */
  ending(dispatchId: string): void {
    this.#waiting.get(dispatchId)?.(false);
  }

  /** The dispatch ended: the remote commands in its context and what its coordination left are killed. */
  finish(entry: InstanceEntry, taskDir: string): void {
    const { dispatchId } = entry.dispatch;
    this.#released.delete(dispatchId);
    this.#coordinated.delete(dispatchId);
    this.host.close(entry.dispatch.jobId, entry.dispatch.taskId);
    const coordination = this.#coordination.get(dispatchId);
    this.#coordination.delete(dispatchId);
    if (coordination !== undefined) signalProcessGroup(coordination, "SIGKILL");
    rmSync(scratchDirectory(taskDir), { recursive: true, force: true });
  }

  /** Runs the coordination command; a failure outcome when it did not exit 0. */
  private async coordinate(
    entry: InstanceEntry,
    prepared: SpawnSpec,
    taskDir: string,
  ): Promise<InstanceOutcome | undefined> {
    const { dispatch } = entry;
    const commandLine = dispatch.multiInstance!.coordinationCommandLine;
    if (commandLine.trim() === "") {
      this.report({
        type: "taskStarted",
        dispatchId: dispatch.dispatchId,
        pid: process.pid,
        startTime: entry.startTime!,
      });
      return undefined;
    }
    const argv = argvOrFailure(commandLine, "coordination command line");
    if ("failure" in argv) return argv;
    const outcome = await TaskProcess.spawn({
      ...prepared,
      argv,
      stdoutPath: join(taskDir, "coordination-stdout.txt"),
      stderrPath: join(taskDir, "coordination-stderr.txt"),
      // The run's status file is the application command's: the coordination's must not stand in for it.
      statusPath: "/dev/null",
      keepGroupAfterExit: true,
    });
    if (!outcome.ok) return { failure: outcome.failure };
    entry.process = outcome.process;
    this.#coordination.set(dispatch.dispatchId, outcome.process.pid);
    this.report({
      type: "taskStarted",
      dispatchId: dispatch.dispatchId,
      pid: outcome.process.pid,
      startTime: entry.startTime!,
    });
    if (entry.ending) outcome.process.stop(0);
    const exit = await outcome.process.exited;
    if (exit.exitCode === 0) return undefined;
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.exitCode}`;
    return {
      exitCode: exit.exitCode,
      failure: entry.ending?.failure ?? {
        category: "usererror",
        code: "CoordinationCommandFailed",
        message: `The coordination command ${how}; see coordination-stderr.txt in the task directory.`,
      },
    };
  }

  private wait(dispatchId: string): Promise<boolean> {
    if (this.#released.delete(dispatchId)) return Promise.resolve(true);
    return new Promise((resolve) => {
      this.#waiting.set(dispatchId, (runApplication) => {
        this.#waiting.delete(dispatchId);
        resolve(runApplication);
      });
    });
  }

  /**
   * What the issue and Azure's documents promise an instance, plus what makes a plain `mpirun ./app`
   * (Open MPI) or `mpiexec.hydra ./app` (MPICH) reach every node through `openbatch-rsh`.
   */
  private environment(mi: DispatchMultiInstance, taskDir: string, scratch: string, path: string | undefined) {
    const addresses = mi.hosts.map((host) => host.address);
    const env: Record<string, string> = {
      AZ_BATCH_HOST_LIST: addresses.join(","),
      AZ_BATCH_NODE_LIST: addresses.join(";"),
      AZ_BATCH_MASTER_NODE: `${addresses[0]}:${MASTER_PORT}`,
      AZ_BATCH_IS_CURRENT_NODE_MASTER: String(mi.instance === 0),
      AZ_BATCH_TASK_SHARED_DIR: taskDir,
      AZ_BATCH_INSTANCE: String(mi.instance),
      OPENBATCH_OPENMPI_HOSTFILE: join(taskDir, OPENMPI_HOSTFILE),
      OPENBATCH_MPICH_HOSTFILE: join(taskDir, MPICH_HOSTFILE),
      OPENBATCH_RSH_SOCKET: this.relay.socketPath,
      PATH: `${this.relay.binDirectory}:${path ?? "/usr/bin:/bin"}`,
      OMPI_MCA_plm_rsh_agent: "openbatch-rsh",
      OMPI_MCA_orte_default_hostfile: join(taskDir, OPENMPI_HOSTFILE),
      HYDRA_LAUNCHER: "ssh",
      HYDRA_LAUNCHER_EXEC: "openbatch-rsh",
      HYDRA_HOST_FILE: join(taskDir, MPICH_HOSTFILE),
      // Local nodes share one kernel: per-node session and shared-memory directories keep their ranks apart.
      TMPDIR: scratch,
      OMPI_MCA_btl_vader_backing_directory: scratch,
    };
    const iface = mi.networkInterface;
    if (iface) {
      env.OMPI_MCA_oob_tcp_if_include = iface;
      env.OMPI_MCA_btl_tcp_if_include = iface;
      // hydra's proxies call back to mpiexec at this interface's address, not at the host name's.
      env.HYDRA_IFACE = iface;
    }
    // MPICH's UCX sees that local nodes share a kernel and passes their messages through shared
    // memory. UCX_TLS=tcp,self would send them over the network, but UCX 1.13's TCP transport leaves
    // MPICH 4.0's MPI_Finalize spinning now and then (docs/reference/tasks.md), so it is not set.
    if (iface && iface !== "lo") env.UCX_NET_DEVICES = iface;
    // Open MPI refuses to run as root unless told; tasks run as the agent's user.
    if (userInfo().uid === 0) {
      env.OMPI_ALLOW_RUN_AS_ROOT = "1";
      env.OMPI_ALLOW_RUN_AS_ROOT_CONFIRM = "1";
    }
    return env;
  }
}

/** Read through a call: the compiler cannot see that a wait lets `ending` be set meanwhile. */
function endingOf(entry: InstanceEntry): InstanceEntry["ending"] {
  return entry.ending;
}

const OPENMPI_HOSTFILE = "openmpi.hostfile";
const MPICH_HOSTFILE = "mpich.hostfile";

/** One line per node, in instance order, one slot each: `<address> slots=1` and `<address>:1`. */
function writeHostfiles(mi: DispatchMultiInstance, taskDir: string): void {
  const lines = (format: (address: string) => string) =>
    mi.hosts.map((h) => `${format(h.address)}\n`).join("");
  writeFileSync(
    join(taskDir, OPENMPI_HOSTFILE),
    lines((address) => `${address} slots=1`),
  );
  writeFileSync(
    join(taskDir, MPICH_HOSTFILE),
    lines((address) => `${address}:1`),
  );
}

/** Short (unix socket paths in it must fit in 108 bytes) and distinct per node and task. */
function scratchDirectory(taskDir: string): string {
  return `/tmp/openbatch-mpi-${createHash("sha256").update(taskDir).digest("hex").slice(0, 12)}`;
}
