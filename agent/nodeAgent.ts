/**
 * The node agent: wires the connection, executor, heartbeat and file server together, routes the
 * service's messages, and owns the shutdown sequence. `run()` resolves with the process exit status.
 */
import { mkdirSync, readFileSync, realpathSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import type {
  DispatchApplicationPackage,
  NodeCertificate,
  OutgoingAgentMessage,
  RegisteredMessage,
  ServiceMessage,
} from "../protocol/agent.js";
import type { AgentConfig } from "./agentConfig.js";
import { installCertificates } from "./certificates.js";
import { ServiceConnection } from "./connection.js";
import { DispatchRecords } from "./dispatchRecords.js";
import { Executor } from "./executor.js";
import { answerFileRequest } from "./files.js";
import { HealthSampler } from "./health.js";
import { Heartbeat } from "./heartbeat.js";
import { LeaseWatchdog } from "./leaseWatchdog.js";
import { errorText, type Log } from "./log.js";
import { MultiInstanceRuns } from "./multiInstanceRun.js";
import { NodeDirectories } from "./nodeDirectories.js";
import { Outbox } from "./outbox.js";
import { PackageInstaller } from "./packages.js";
import { RemoteShellHost } from "./remoteShellHost.js";
import { RemoteShellRelay } from "./remoteShellRelay.js";
import { ServiceLease } from "./serviceLease.js";
import { uploadServiceLogs } from "./serviceLogs.js";
import { readStoredNodeId, storeNodeId } from "./storedNodeId.js";
import type { NodeIdentity } from "./taskEnvironment.js";

/** Exit statuses of the agent process (documented for users in main.ts). */
export const ExitStatus = { shutdown: 0, fatal: 1, usage: 2 } as const;

/** How long a stopping agent waits for the service to ack the last completions. */
const FINAL_ACK_WAIT_MS = 3000;

export class NodeAgent {
  readonly #config: AgentConfig;
  readonly #log: Log;
  readonly #directories: NodeDirectories;
  readonly #root: string;
  readonly #outbox: Outbox;
  readonly #executor: Executor;
  readonly #packages: PackageInstaller;
  readonly #sampler: HealthSampler;
  readonly #heartbeat: Heartbeat;
  readonly #connection: ServiceConnection;
  readonly #shellHost: RemoteShellHost;
  readonly #shellRelay: RemoteShellRelay;
  readonly #multiInstance: MultiInstanceRuns;
  readonly #lease: ServiceLease;
  readonly #watchdog: LeaseWatchdog;
  #watchdogFeed: NodeJS.Timeout | undefined;
  #nodeId: string | undefined;
  #node: NodeIdentity | undefined;
  #stopping = false;
  #resolveExit: (status: number) => void = () => {};

  constructor(config: AgentConfig, log: Log) {
    this.#config = config;
    this.#log = log;
    this.#directories = new NodeDirectories(config.root);
    const d = this.#directories;
    for (const dir of [d.shared, d.startup, d.applications, d.workitems, d.agentState, d.exitStatuses])
      mkdirSync(dir, { recursive: true });
    // Private keys go in there (agent/certificates.ts): only the agent's user may look inside.
    mkdirSync(d.certificates, { recursive: true, mode: 0o700 });
    // File requests compare real paths, so the root itself must be one.
    this.#root = realpathSync(config.root);
    this.#nodeId = config.nodeId ?? readStoredNodeId(d.agentState);
    this.#outbox = new Outbox(join(d.agentState, "outbox.jsonl"), log);
    this.#watchdog = new LeaseWatchdog(log);
    this.#lease = new ServiceLease(() => {
      this.#log.warn(
        "agent: no answer from the service for nodeLostAfterMs; ending the tasks it will requeue",
      );
      this.#executor.fenceTasks(this.#lease.graceMs);
    });
    this.#packages = new PackageInstaller(d.applications, d.agentState, log);
    const send = (message: OutgoingAgentMessage) => this.#connection.send(message);
    this.#shellHost = new RemoteShellHost(send, log);
    this.#shellRelay = new RemoteShellRelay(d.agentState, send, log);
    this.#multiInstance = new MultiInstanceRuns(this.#shellHost, this.#shellRelay, (message) => {
      send(message);
      // A coordination command's group, which the watchdog cannot find itself (leaseWatchdog.ts).
      if (message.type === "taskStarted") this.#feedWatchdog();
    });
    this.#executor = new Executor({
      multiInstance: this.#multiInstance,
      directories: d,
      packages: this.#packages,
      records: new DispatchRecords(d.dispatchRecords, log),
      outbox: this.#outbox,
      report: send,
      node: () => this.#node,
      log,
      killGraceMs: config.killGraceMs,
      leaseExpired: () => this.#lease.expired,
    });
    this.#sampler = new HealthSampler(this.#root, config.healthSampleIntervalMs, log);
    this.#heartbeat = new Heartbeat({
      health: () => this.#sampler.latest,
      runningDispatchIds: () => this.#executor.runningDispatchIds(),
      send: (message) => this.#connection.send(message),
    });
    this.#connection = new ServiceConnection({
      urls: config.serviceUrls,
      outbox: this.#outbox,
      log,
      registration: () => ({
        poolId: config.poolId,
        nodeId: this.#nodeId,
        machineId: config.machineId,
        joinToken: config.joinToken,
        agentVersion: AGENT_VERSION,
        hostname: hostname(),
        ipAddress: config.ipAddress,
        nodeRootDirectory: config.root,
        runningDispatchIds: this.#executor.runningDispatchIds(),
        unackedDispatchIds: this.#outbox.unackedDispatchIds(),
      }),
      onRegistered: (message) => this.#registered(message),
      onMessage: (message) => this.#handle(message),
      onDisconnected: () => {
        this.#heartbeat.stop();
        this.#shellRelay.failAll("the connection to the service was lost");
      },
      onServiceAnswer: (sentAt) => {
        this.#lease.renew(sentAt);
        this.#feedWatchdog();
      },
      onRefused: () => void this.stop("the service refused the registration", ExitStatus.fatal),
    });
  }

  /** Starts the agent; resolves with the exit status once it has stopped. */
  run(): Promise<number> {
    const exit = new Promise<number>((resolve) => {
      this.#resolveExit = resolve;
    });
    // Before connecting, so the first `register` already names the tasks that survived a restart.
    this.#executor.recover();
    this.#shellRelay.start();
    this.#sampler.start();
    this.#connection.start();
    return exit;
  }

  /**
   * Stops everything: terminates every task (SIGTERM, SIGKILL after the grace), gives the service a
   * moment to ack the completions (the rest stays in the outbox for the next start), closes the socket.
   */
  async stop(reason: string, status: number): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#log.info(`agent: stopping (${reason})`);
    try {
      await this.#executor.terminateAll(`the node is shutting down: ${reason}`);
      this.#shellRelay.stop();
      this.#heartbeat.stop();
      this.#sampler.stop();
      this.#lease.stop();
      clearInterval(this.#watchdogFeed);
      this.#watchdog.stop();
      if (this.#connection.isRegistered) await this.#connection.waitForOutboxDrained(FINAL_ACK_WAIT_MS);
      await this.#connection.stop();
    } catch (error) {
      this.#log.error(`agent: error while stopping: ${errorText(error)}`);
      status = ExitStatus.fatal;
    }
    this.#resolveExit(status);
  }

  /** Last resort on a crash: kill every task's process group at once so nothing is left behind. */
  killAllTasksNow(): void {
    this.#executor.killAllNow();
  }

  #registered(message: RegisteredMessage): void {
    this.#node = {
      accountName: message.accountName,
      accountUrl: message.accountUrl,
      poolId: message.poolId,
      nodeId: message.nodeId,
      isDedicated: message.isDedicated,
    };
    if (this.#nodeId !== message.nodeId) {
      this.#nodeId = message.nodeId;
      storeNodeId(this.#directories.agentState, message.nodeId);
    }
    this.#lease.configure(message.nodeLostAfterMs, this.#config.killGraceMs);
    // Also while disconnected: tasks start and end, and the watchdog must know them.
    clearInterval(this.#watchdogFeed);
    this.#watchdogFeed = setInterval(() => this.#feedWatchdog(), message.heartbeatIntervalMs);
    this.#feedWatchdog();
    // The service samples health once per heartbeat: a fresher sample for each, at most one a second.
    this.#sampler.sampleAtLeastEvery(Math.max(1000, message.heartbeatIntervalMs));
    this.#heartbeat.start(message.heartbeatIntervalMs);
    // Certificates first (the service brings the node online on their report), then the pool's packages.
    void (async () => {
      if (message.certificates) await this.#installCertificates(message.certificates);
      if (message.applicationPackages) await this.#installPoolPackages(message.applicationPackages);
    })();
    // What the old connection may have lost: the service has all instances' news again.
    this.#multiInstance.reportCoordinated();
    for (const id of message.cancelDispatchIds) {
      this.#executor.terminate(
        id,
        this.#config.killGraceMs,
        "the service cancelled it after the agent reconnected",
      );
    }
  }

  #feedWatchdog(): void {
    this.#watchdog.update({
      expiresAt: this.#lease.expiresAt,
      exitStatuses: this.#directories.exitStatuses,
      graceMs: this.#lease.graceMs,
      exemptDispatchIds: this.#executor.nodeDispatchIds(),
      pids: this.#executor.unlistedTaskProcessIds(),
    });
  }

  /** Installs the pool's certificates; the service waits for the report before giving the node work. */
  async #installCertificates(certificates: NodeCertificate[]): Promise<void> {
    const failures = await installCertificates(this.#directories.certificates, certificates);
    for (const failure of failures)
      this.#log.error(`agent: certificate sha1-${failure.thumbprint} not installed: ${failure.message}`);
    this.#log.info(
      `agent: ${certificates.length - failures.length} of ${certificates.length} certificates installed`,
    );
    this.#connection.send({ type: "certificatesInstalled", failures });
  }

  /** Installs the pool's application packages; the service keeps the node `starting` until the report. */
  async #installPoolPackages(packages: DispatchApplicationPackage[]): Promise<void> {
    const errors = await this.#packages.installPoolPackages(packages);
    for (const error of errors) this.#log.error(`agent: ${error.message}`);
    this.#connection.send({ type: "nodePrepared", errors });
  }

  #handle(message: ServiceMessage): void {
    switch (message.type) {
      case "dispatch":
        this.#executor.dispatch(message);
        // The watchdog leaves the node's own runs alone, so it must know them before they start.
        if (message.kind !== "task") this.#feedWatchdog();
        return;
      case "terminate":
        this.#executor.terminate(message.dispatchId, message.graceMs, message.reason);
        return;
      case "fileRequest":
        void answerFileRequest(this.#root, message).then((answer) => this.#connection.send(answer));
        return;
      case "uploadLogs":
        void uploadServiceLogs(this.#directories.serviceLogs, message).then((answer) =>
          this.#connection.send(answer),
        );
        return;
      case "runApplication":
        this.#executor.runApplication(message.dispatchId);
        return;
      case "remoteShellStart":
        this.#shellHost.start(message);
        return;
      case "remoteShellClose":
        this.#shellHost.kill(message.sessionId);
        return;
      case "remoteShellOutput":
        this.#shellRelay.output(message.sessionId, message.stream, message.data);
        return;
      case "remoteShellExit":
        this.#shellRelay.exit(message.sessionId, message.exitCode);
        return;
      case "shutdown":
        void this.stop(`the service asked: ${message.reason}`, ExitStatus.shutdown);
        return;
      default:
        this.#log.warn(`agent: unexpected '${message.type}' message; ignoring it`);
    }
  }
}

/** The package version, read once from package.json next to dist/ (built) or to the sources. */
const AGENT_VERSION = readAgentVersion();

function readAgentVersion(): string {
  for (const relative of ["../../package.json", "../package.json"]) {
    try {
      const parsed = JSON.parse(readFileSync(new URL(relative, import.meta.url), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (parsed.name === "openbatch" && parsed.version) return parsed.version;
    } catch {
      // try the next location
    }
  }
  return "0.0.0";
}
