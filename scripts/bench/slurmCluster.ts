/**
 * A private single-host Slurm cluster for one benchmark run: our own munged (own key and socket), slurmctld
 * and 4 slurmd, all started from and kept in one work directory, and stopped by the pids recorded there.
 * Nothing outside the work directory is written, and no process this cluster did not start is signalled.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freeLoopbackPorts } from "./freePorts.js";
import { type SlurmRunner, slurmRunner } from "./slurmCommand.js";
import {
  NODE_NAMES,
  PARTITION,
  type SlurmLayout,
  type SlurmMode,
  slurmConf,
  slurmLayout,
} from "./slurmConfig.js";
import { type Daemon, type DaemonRecord, isRunning, startDaemon, stopDaemons } from "./slurmDaemons.js";
import { findProgram, type Log } from "./slurmInstall.js";
import { logTails } from "./slurmLogs.js";
import {
  type LatencyFigures,
  type SlurmSession,
  srunLatency,
  type ThroughputFigures,
  type ThroughputOptions,
  throughputArray,
  throughputPerJob,
} from "./slurmScenarios.js";

export interface SlurmStartOptions {
  mode: SlurmMode;
  /** A fresh directory (created if missing) that holds everything of this cluster. */
  workDir: string;
  log: Log;
  /** Lets the daemons outlive this process, for `slurm.js start`; `slurm.js stop` ends them later. */
  detach?: boolean;
}

/** pids.json: enough for another process to stop exactly this cluster's daemons. */
interface PidsFile {
  mode: SlurmMode;
  slurmConf: string;
  daemons: DaemonRecord[];
}

const MUNGE_KEY_BYTES = 1024;
const MUNGE_SOCKET_DEADLINE_MS = 10_000;
const NODES_IDLE_DEADLINE_MS = 60_000;
const STARTUP_POLL_MS = 100;
/** Per step of stopping: SIGTERM, then SIGKILL for whatever is left after this long. */
const STOP_GRACE_MS = 10_000;
const CANCEL_DEADLINE_MS = 5_000;
const QUERY_TIMEOUT_MS = 5_000;

export class SlurmCluster implements SlurmSession {
  readonly run: SlurmRunner;
  private stopping?: Promise<void>;

  private constructor(
    readonly mode: SlurmMode,
    readonly layout: SlurmLayout,
    private readonly daemons: Daemon[],
    private readonly log: Log,
  ) {
    this.run = slurmRunner(layout.slurmConf);
  }

  /** Starts the cluster and returns once all 4 nodes are idle; on failure stops what started and throws. */
  static async start(options: SlurmStartOptions): Promise<SlurmCluster> {
    const { mode, workDir, log, detach = false } = options;
    const layout = slurmLayout(workDir);
    if (existsSync(layout.pidsJson)) {
      throw new Error(
        `slurm: ${workDir} already holds a cluster (pids.json); stop it or use a fresh directory`,
      );
    }
    const programs = {
      munged: requiredProgram("munged"),
      slurmctld: requiredProgram("slurmctld"),
      slurmd: requiredProgram("slurmd"),
    };
    for (const node of NODE_NAMES) mkdirSync(join(layout.spoolDir, node), { recursive: true });
    mkdirSync(layout.stateDir, { recursive: true });
    writeFileSync(layout.mungeKey, randomBytes(MUNGE_KEY_BYTES), { mode: 0o400 });
    const [slurmctldPort, ...slurmdPorts] = await freeLoopbackPorts(1 + NODE_NAMES.length);
    writeFileSync(
      layout.slurmConf,
      slurmConf({ mode, layout, ports: { slurmctld: slurmctldPort!, slurmd: slurmdPorts } }),
    );

    const cluster = new SlurmCluster(mode, layout, [], log);
    const launch = (name: string, program: string, args: string[]) =>
      cluster.launch({ name, program, args, consoleLog: layout.consoleLog(name.replace(" ", ".")), detach });
    // A socket left by an earlier cluster in this directory would look like munged is ready.
    rmSync(layout.mungeSocket, { force: true });
    try {
      launch("munged", programs.munged, [
        "--foreground",
        "--force",
        `--key-file=${layout.mungeKey}`,
        `--socket=${layout.mungeSocket}`,
        `--pid-file=${layout.mungePid}`,
        `--seed-file=${layout.mungeSeed}`,
      ]);
      await cluster.waitFor("munged's socket", MUNGE_SOCKET_DEADLINE_MS, async () =>
        existsSync(layout.mungeSocket),
      );
      launch("slurmctld", programs.slurmctld, ["-D", "-f", layout.slurmConf]);
      for (const node of NODE_NAMES)
        launch(`slurmd ${node}`, programs.slurmd, ["-D", "-f", layout.slurmConf, "-N", node]);
      await cluster.waitFor(`nodes ${NODE_NAMES.join(",")} idle`, NODES_IDLE_DEADLINE_MS, () =>
        cluster.nodesIdle(),
      );
    } catch (error) {
      await cluster.stop();
      throw new Error(`slurm (${mode}) did not start: ${(error as Error).message}\n${logTails(layout)}`);
    }
    log(`slurm (${mode}): ${NODE_NAMES.length} nodes idle; SLURM_CONF=${layout.slurmConf}`);
    return cluster;
  }

  /** The cluster that `slurm.js start` left running in `workDir`, so that another process can stop it. */
  static attach(workDir: string, log: Log): SlurmCluster {
    const layout = slurmLayout(workDir);
    const pids = JSON.parse(readFileSync(layout.pidsJson, "utf8")) as PidsFile;
    return new SlurmCluster(
      pids.mode,
      layout,
      pids.daemons.map((record) => ({ record })),
      log,
    );
  }

  throughputArray(jobs: number, options?: ThroughputOptions): Promise<ThroughputFigures> {
    return throughputArray(this, jobs, options);
  }

  throughputPerJob(
    jobs: number,
    options?: ThroughputOptions & { submitters?: number },
  ): Promise<ThroughputFigures> {
    return throughputPerJob(this, jobs, options);
  }

  srunLatency(runs: number, options?: { deadlineMs?: number }): Promise<LatencyFigures> {
    return srunLatency(this, runs, options);
  }

  assertDaemonsRunning(): void {
    for (const { record, ended } of this.daemons) {
      const why = ended ?? (isRunning(record) ? undefined : "has exited");
      if (why !== undefined) throw new Error(`${record.name} (pid ${record.pid}) ${why}`);
    }
  }

  /**
   * Cancels jobs still queued, then stops the Slurm daemons and last munged (SIGTERM, SIGKILL after a grace
   * period) and removes pids.json. Safe to call twice; later calls wait for the first.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    await this.cancelLeftoverJobs();
    const isMunge = (record: DaemonRecord) => record.name === "munged";
    const records = this.daemons.map((daemon) => daemon.record);
    const survivors = [
      ...(await stopDaemons(
        records.filter((record) => !isMunge(record)),
        STOP_GRACE_MS,
      )),
      ...(await stopDaemons(records.filter(isMunge), STOP_GRACE_MS)),
    ];
    if (survivors.length > 0) this.log(`slurm: still running after SIGKILL: ${survivors.join(", ")}`);
    rmSync(this.layout.pidsJson, { force: true });
  }

  /** So that stopping slurmd leaves no job processes (slurmstepd and its tasks) behind. */
  private async cancelLeftoverJobs(): Promise<void> {
    const slurmctld = this.daemons.find((daemon) => daemon.record.name === "slurmctld");
    if (slurmctld === undefined || !isRunning(slurmctld.record)) return;
    const queued = async () => {
      const result = await this.run("squeue", ["--noheader", "--format=%i"], QUERY_TIMEOUT_MS);
      return result.code === 0 && result.stdout.trim() !== "";
    };
    if (!(await queued())) return;
    this.log("slurm: cancelling jobs still queued before stopping");
    await this.run("scancel", [`--partition=${PARTITION}`], QUERY_TIMEOUT_MS);
    const until = Date.now() + CANCEL_DEADLINE_MS;
    while (Date.now() < until && (await queued())) await sleep(STARTUP_POLL_MS);
  }

  private launch(options: {
    name: string;
    program: string;
    args: string[];
    consoleLog: string;
    detach: boolean;
  }) {
    const env = { ...process.env, SLURM_CONF: this.layout.slurmConf };
    this.daemons.push(startDaemon({ ...options, env }));
    // Written after every start, so that a failure half-way leaves a complete list to stop.
    const pids: PidsFile = {
      mode: this.mode,
      slurmConf: this.layout.slurmConf,
      daemons: this.daemons.map((daemon) => daemon.record),
    };
    writeFileSync(this.layout.pidsJson, `${JSON.stringify(pids, null, 2)}\n`);
  }

  private async nodesIdle(): Promise<boolean> {
    const result = await this.run("sinfo", ["--noheader", "--Node", "--format=%N %T"], QUERY_TIMEOUT_MS);
    if (result.code !== 0) return false; // slurmctld not listening yet
    const idle = new Set(
      result.stdout
        .split("\n")
        .map((line) => line.trim().split(/\s+/))
        .filter(([, state]) => state === "idle")
        .map(([node]) => node),
    );
    return NODE_NAMES.every((node) => idle.has(node));
  }

  /** Polls `ready` until true; fails at once if a daemon ends, or at the deadline. */
  private async waitFor(what: string, deadlineMs: number, ready: () => Promise<boolean>): Promise<void> {
    const until = Date.now() + deadlineMs;
    for (;;) {
      this.assertDaemonsRunning();
      if (await ready()) return;
      if (Date.now() > until) throw new Error(`timed out after ${deadlineMs / 1000} s waiting for ${what}`);
      await sleep(STARTUP_POLL_MS);
    }
  }
}

function requiredProgram(program: string): string {
  const path = findProgram(program);
  if (path === undefined) throw new Error(`slurm: ${program} is not installed (see ensureSlurmInstalled)`);
  return path;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
