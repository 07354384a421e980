/**
 * The agent ↔ service WebSocket contract. Every message is one JSON text frame with a `type` tag,
 * the `protocolVersion`, and a `requestId` unique per sender; replies carry the request's id in
 * `replyTo`. Both ends check every frame against these schemas (`parseAgentMessage`,
 * `parseServiceMessage`) and drop what does not match.
 *
 * Reliability: `taskStarted` and `taskCompleted` are re-sent by the agent until the service answers
 * with an `ack` naming their `requestId`; the service treats a report for a dispatch it already
 * recorded as a no-op, so re-sending is always safe.
 */
import Type, { type Static, type TSchema } from "typebox";
import { Compile } from "typebox/compile";
import { packageFormats } from "./rest/application.js";
import { literalUnion } from "./rest/common.js";
import {
  OutputFileBlobContainerDestination,
  OutputFileS3Destination,
  outputFileUploadConditions,
  ResourceFile,
} from "./rest/taskFiles.js";
import { certificateFormats } from "./states.js";

export const PROTOCOL_VERSION = 1;
/** Path of the WebSocket endpoint on the account service. */
export const AGENT_WS_PATH = "/openbatch/agent";

function message<T extends string, P extends Record<string, TSchema>>(type: T, props: P) {
  return Type.Object({
    type: Type.Literal(type),
    protocolVersion: Type.Literal(PROTOCOL_VERSION),
    requestId: Type.String({ minLength: 1 }),
    ...props,
  });
}

export const Health = Type.Object({
  cpuPercent: Type.Number(),
  memoryUsedBytes: Type.Number(),
  memoryTotalBytes: Type.Number(),
  diskUsedBytes: Type.Number(),
  diskTotalBytes: Type.Number(),
  networkRxBytes: Type.Optional(Type.Number()),
  networkTxBytes: Type.Optional(Type.Number()),
  /** Free space on the node root's filesystem for the agent's user (statfs `bavail`): what a task may still write. */
  diskAvailableBytes: Type.Optional(Type.Number()),
  /** Counters since boot over the machine's disks (/proc/diskstats): bytes and operations. */
  diskReadBytes: Type.Optional(Type.Number()),
  diskWriteBytes: Type.Optional(Type.Number()),
  diskReadOps: Type.Optional(Type.Number()),
  diskWriteOps: Type.Optional(Type.Number()),
  /** Logical CPUs of the machine, for the pool's core time. */
  cpuCount: Type.Optional(Type.Integer({ minimum: 1 })),
});
export type Health = Static<typeof Health>;

/**
 * Which runner a dispatch is for: a job's task, the pool's start task, or a job's preparation or
 * release task (these two run in the job's directory on the node, beside its tasks, and take no slot).
 */
export const DispatchKind = Type.Union([
  Type.Literal("task"),
  Type.Literal("startTask"),
  Type.Literal("jobPreparation"),
  Type.Literal("jobRelease"),
]);
export type DispatchKind = Static<typeof DispatchKind>;

export const FailureReport = Type.Object({
  category: Type.Union([Type.Literal("usererror"), Type.Literal("servererror")]),
  code: Type.String(),
  message: Type.String(),
  /**
   * Where the run failed, for the task's `exitConditions`: `preProcessing` (its resource files could not
   * be fetched, so the command never ran) or `fileUpload` (its output files could not be uploaded).
   */
  stage: Type.Optional(Type.Union([Type.Literal("preProcessing"), Type.Literal("fileUpload")])),
});
export type FailureReport = Static<typeof FailureReport>;

// ───────────────────────────── agent → service ─────────────────────────────

/**
 * First frame on every connection. Without `nodeId` the service assigns one (cloud VMs): the node of
 * the pool that `machineId` claimed before, else a node of the pool still waiting for a machine.
 */
export const RegisterMessage = message("register", {
  poolId: Type.String(),
  nodeId: Type.Optional(Type.String()),
  /**
   * The cloud instance the agent runs on (Azure uniform scale set: the VM name `<scaleSet>_<instanceId>`;
   * AWS: the EC2 instance id). The service records it on the node, to remove or restart that instance.
   */
  machineId: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  joinToken: Type.String(),
  agentVersion: Type.String(),
  hostname: Type.String(),
  ipAddress: Type.String(),
  nodeRootDirectory: Type.String(),
  /** Dispatches whose process is still running on this node (after a reconnect). */
  runningDispatchIds: Type.Array(Type.String()),
  /**
   * Dispatches that ended but whose `taskCompleted` is still in the agent's outbox, waiting for an ack.
   * Together with `runningDispatchIds` this tells the service which of its assignments to this node
   * were lost (never received, or lost with a restarted agent) and must be requeued.
   */
  unackedDispatchIds: Type.Array(Type.String()),
});

export const HeartbeatMessage = message("heartbeat", {
  health: Health,
  runningDispatchIds: Type.Array(Type.String()),
});

/** When the agent got a dispatch and when its process existed (protocol/clock.ts `preciseNow`). */
export const StartTiming = Type.Object({ receivedAt: Type.Number(), spawnedAt: Type.Number() });
export type StartTiming = Static<typeof StartTiming>;

export const TaskStartedMessage = message("taskStarted", {
  dispatchId: Type.String(),
  pid: Type.Integer(),
  startTime: Type.String(),
  timing: Type.Optional(StartTiming),
});

export const TaskCompletedMessage = message("taskCompleted", {
  dispatchId: Type.String(),
  /** The process's exit code; 128 + signal number when it was killed by a signal; absent when it never started. */
  exitCode: Type.Optional(Type.Integer()),
  signal: Type.Optional(Type.String()),
  startTime: Type.Optional(Type.String()),
  endTime: Type.String(),
  /** Set when the agent itself failed the task (could not start it, wall clock exceeded, terminated). */
  failure: Type.Optional(FailureReport),
  /**
   * The agent ended the run itself because it had lost the service for `nodeLostAfterMs` (fencing):
   * by then the service has given the task to another node, or will requeue it on this report. Never
   * a retry: the run's outcome says nothing about the task.
   */
  fenced: Type.Optional(Type.Boolean()),
});

export const FileEntry = Type.Object({
  /** Path relative to the directory that was listed, with `/` separators. */
  name: Type.String(),
  isDirectory: Type.Boolean(),
  contentLength: Type.Integer(),
  creationTime: Type.String(),
  lastModified: Type.String(),
  fileMode: Type.String(),
});
export type FileEntry = Static<typeof FileEntry>;

export const FileResponseMessage = message("fileResponse", {
  replyTo: Type.String(),
  ok: Type.Boolean(),
  /** `FileNotFound`, `InvalidRange` or `InvalidPropertyValue` (a path that escapes the node root). */
  errorCode: Type.Optional(Type.String()),
  errorMessage: Type.Optional(Type.String()),
  /** For `stat` and `read`: the file itself. */
  file: Type.Optional(FileEntry),
  /** For `list`. */
  entries: Type.Optional(Type.Array(FileEntry)),
  /** For `read`: the bytes of the requested range, base64. */
  data: Type.Optional(Type.String()),
});

/**
 * After `registered` (and, when there were certificates, after `certificatesInstalled`): the pool's
 * application packages (`registered.applicationPackages`) are installed (`errors` empty) or could not
 * be (one error per package). The service keeps a joining node `starting` until then, and makes it
 * `unusable` on errors.
 */
export const NodePreparedMessage = message("nodePrepared", {
  errors: Type.Array(Type.Object({ code: Type.String(), message: Type.String() })),
});

/**
 * The node installed the certificates `registered` gave it (or could not: `failures`). The service
 * brings the node into service — start task, tasks — only after this report.
 */
export const CertificatesInstalledMessage = message("certificatesInstalled", {
  failures: Type.Array(Type.Object({ thumbprint: Type.String(), message: Type.String() })),
});

/** The answer to `uploadLogs`: how many log files were uploaded, or why they could not be. */
export const LogsUploadedMessage = message("logsUploaded", {
  replyTo: Type.String(),
  ok: Type.Boolean(),
  numberOfFilesUploaded: Type.Integer({ minimum: 0 }),
  errorMessage: Type.Optional(Type.String()),
});

/**
 * A multi-instance subtask's coordination command exited 0 (or it had none): the service starts the
 * primary's application command once every subtask of the task has sent this.
 */
export const CoordinationCompletedMessage = message("coordinationCompleted", { dispatchId: Type.String() });

/**
 * `openbatch-rsh <host> <command>` on a node: run `command` on the node of the same multi-instance
 * task whose address (or node id) is `host`. The service relays it to that node as `remoteShellStart`.
 */
export const RemoteShellOpenMessage = message("remoteShellOpen", {
  sessionId: Type.String({ minLength: 1, maxLength: 128 }),
  jobId: Type.String(),
  taskId: Type.String(),
  host: Type.String(),
  command: Type.String(),
});

/** Output of a remote shell session, both ways: target agent → service → origin agent. */
export const RemoteShellOutputMessage = message("remoteShellOutput", {
  sessionId: Type.String(),
  stream: Type.Union([Type.Literal("stdout"), Type.Literal("stderr")]),
  /** The bytes, base64. */
  data: Type.String(),
});

/** The remote command ended (exit code as a shell reports it: 128 + signal), or could not run (255, as ssh). */
export const RemoteShellExitMessage = message("remoteShellExit", {
  sessionId: Type.String(),
  exitCode: Type.Integer(),
});

/** The session's caller went away (origin agent → service → target agent): kill the remote command. */
export const RemoteShellCloseMessage = message("remoteShellClose", { sessionId: Type.String() });

export const AgentMessage = Type.Union([
  RegisterMessage,
  NodePreparedMessage,
  HeartbeatMessage,
  TaskStartedMessage,
  TaskCompletedMessage,
  FileResponseMessage,
  CertificatesInstalledMessage,
  LogsUploadedMessage,
  CoordinationCompletedMessage,
  RemoteShellOpenMessage,
  RemoteShellOutputMessage,
  RemoteShellExitMessage,
  RemoteShellCloseMessage,
]);
export type AgentMessage = Static<typeof AgentMessage>;
export type CoordinationCompletedMessage = Static<typeof CoordinationCompletedMessage>;
export type RemoteShellOpenMessage = Static<typeof RemoteShellOpenMessage>;
export type RemoteShellOutputMessage = Static<typeof RemoteShellOutputMessage>;
export type RemoteShellExitMessage = Static<typeof RemoteShellExitMessage>;
export type RemoteShellCloseMessage = Static<typeof RemoteShellCloseMessage>;
export type LogsUploadedMessage = Static<typeof LogsUploadedMessage>;
export type RegisterMessage = Static<typeof RegisterMessage>;
export type NodePreparedMessage = Static<typeof NodePreparedMessage>;
export type HeartbeatMessage = Static<typeof HeartbeatMessage>;
export type TaskStartedMessage = Static<typeof TaskStartedMessage>;
export type TaskCompletedMessage = Static<typeof TaskCompletedMessage>;
export type FileResponseMessage = Static<typeof FileResponseMessage>;
export type CertificatesInstalledMessage = Static<typeof CertificatesInstalledMessage>;

// ───────────────────────────── service → agent ─────────────────────────────

/**
 * An application package as the agent installs it: the service has resolved the reference's version
 * and signed a download URL (`applicationPackageUrl` in protocol/storageToken.ts). A reference it could not resolve
 * carries `problem` instead; the agent fails the run with it.
 */
export const DispatchApplicationPackage = Type.Union([
  Type.Object({
    applicationId: Type.String(),
    version: Type.String(),
    /** The reference named no version: `AZ_BATCH_APP_PACKAGE_<applicationId>` is set too. */
    isDefault: Type.Boolean(),
    url: Type.String(),
    sha256: Type.String(),
    format: literalUnion(packageFormats),
  }),
  Type.Object({
    applicationId: Type.String(),
    version: Type.Optional(Type.String()),
    problem: Type.String(),
  }),
]);
export type DispatchApplicationPackage = Static<typeof DispatchApplicationPackage>;
export type ResolvedApplicationPackage = Extract<DispatchApplicationPackage, { url: string }>;
/** A certificate a node installs (its pool references it): the file and password, secrets in transit. */
export const NodeCertificate = Type.Object({
  /** Normalized: lower-case hex. */
  thumbprint: Type.String({ pattern: "^[0-9a-f]{40}$" }),
  thumbprintAlgorithm: Type.Literal("sha1"),
  certificateFormat: literalUnion(certificateFormats),
  /** The certificate file, base64. */
  data: Type.String(),
  /** For a pfx. */
  password: Type.Optional(Type.String()),
});
export type NodeCertificate = Static<typeof NodeCertificate>;

export const RegisteredMessage = message("registered", {
  replyTo: Type.String(),
  poolId: Type.String(),
  nodeId: Type.String(),
  accountName: Type.String(),
  accountUrl: Type.String(),
  isDedicated: Type.Boolean(),
  heartbeatIntervalMs: Type.Integer({ minimum: 100 }),
  /**
   * After this long without any message from the service (on the agent's own clock), the agent ends
   * its running tasks (`fenced` completions): the service requeues the tasks of a node it has not
   * heard from for longer than that, and no task may run twice at once. Absent: never.
   */
  nodeLostAfterMs: Type.Optional(Type.Integer({ minimum: 1 })),
  /** Dispatches the agent reported running that the service no longer wants: kill them. */
  cancelDispatchIds: Type.Array(Type.String()),
  /** The pool's application packages: install them, then send `nodePrepared`. */
  applicationPackages: Type.Optional(Type.Array(DispatchApplicationPackage)),
  /**
   * The certificates the pool references, when it references some: the agent installs them (replacing
   * what `certs/` held) and answers `certificatesInstalled` before the node gets any work.
   */
  certificates: Type.Optional(Type.Array(NodeCertificate)),
});

/** A resource file as the agent fetches it: the service has turned `autoStorageContainerName` into a `storageContainerUrl`. */
export const DispatchResourceFile = Type.Omit(ResourceFile, ["autoStorageContainerName"]);
export type DispatchResourceFile = Static<typeof DispatchResourceFile>;

/** An output file as the agent uploads it: an account-store destination has become a `container` URL. */
export const DispatchOutputFile = Type.Object({
  filePattern: Type.String(),
  uploadCondition: literalUnion(outputFileUploadConditions),
  destination: Type.Union([
    Type.Object({ container: OutputFileBlobContainerDestination }),
    Type.Object({ s3: OutputFileS3Destination }),
  ]),
});
export type DispatchOutputFile = Static<typeof DispatchOutputFile>;

/** One node of a multi-instance task, in instance order (the first is the primary's). */
export const MultiInstanceHost = Type.Object({ nodeId: Type.String(), address: Type.String() });
export type MultiInstanceHost = Static<typeof MultiInstanceHost>;

/**
 * A dispatch that is one instance of a multi-instance task. Every instance runs the coordination
 * command (after fetching `commonResourceFiles` into the task directory), reports
 * `coordinationCompleted`, then holds the task's context on its node (for `openbatch-rsh` sessions)
 * until it is terminated; the primary (instance 0) instead waits for `runApplication` and runs the
 * dispatch's `commandLine`, and its exit ends the task.
 */
export const DispatchMultiInstance = Type.Object({
  instance: Type.Integer({ minimum: 0 }),
  hosts: Type.Array(MultiInstanceHost, { minItems: 1 }),
  coordinationCommandLine: Type.String(),
  commonResourceFiles: Type.Optional(Type.Array(DispatchResourceFile)),
  /**
   * The interface the nodes reach each other on, where the service knows it: `lo` for loopback
   * addresses, `eth0` in a node's network namespace. MPI's connections are kept on it.
   */
  networkInterface: Type.Optional(Type.String()),
});
export type DispatchMultiInstance = Static<typeof DispatchMultiInstance>;

export const DispatchMessage = message("dispatch", {
  dispatchId: Type.String(),
  kind: DispatchKind,
  /** Empty for a start task. */
  jobId: Type.String(),
  taskId: Type.String(),
  /** Run without a shell: the agent splits it into argv by POSIX quoting rules, with no expansion. */
  commandLine: Type.String(),
  /** User environment (job common settings, then the task's own); the agent adds the AZ_BATCH_* variables. */
  environment: Type.Record(Type.String(), Type.String()),
  requiredSlots: Type.Integer({ minimum: 1 }),
  /** Kill the task after this long; absent means unlimited. */
  maxWallClockTimeMs: Type.Optional(Type.Integer({ minimum: 1 })),
  /** Delete the task's directory this long after the run ends (a later run of the task cancels it). */
  retentionTimeMs: Type.Optional(Type.Integer({ minimum: 1 })),
  /** When the service sent it (protocol/clock.ts `preciseNow`), for the task's dispatch timeline. */
  sentAt: Type.Optional(Type.Number()),
  /** Downloaded into the working directory before the command runs (again on every retry). */
  resourceFiles: Type.Optional(Type.Array(DispatchResourceFile)),
  /** Uploaded after the process exits, each when its condition matches the outcome. */
  outputFiles: Type.Optional(Type.Array(DispatchOutputFile)),
  /** The task's own application packages, installed (once per node) before its command runs. */
  applicationPackages: Type.Optional(Type.Array(DispatchApplicationPackage)),
  multiInstance: Type.Optional(DispatchMultiInstance),
});

/** Every instance of the multi-instance task coordinated: the primary runs its application command now. */
export const RunApplicationMessage = message("runApplication", { dispatchId: Type.String() });

/** Run `command` through `/bin/sh -c` in the context of the node's instance of task `jobId/taskId`. */
export const RemoteShellStartMessage = message("remoteShellStart", {
  sessionId: Type.String(),
  jobId: Type.String(),
  taskId: Type.String(),
  command: Type.String(),
});

export const TerminateMessage = message("terminate", {
  dispatchId: Type.String(),
  /** Milliseconds between SIGTERM and SIGKILL. */
  graceMs: Type.Integer({ minimum: 0 }),
  reason: Type.String(),
});

export const AckMessage = message("ack", { replyTo: Type.String() });

export const FileRequestMessage = message("fileRequest", {
  op: Type.Union([Type.Literal("list"), Type.Literal("stat"), Type.Literal("read")]),
  /** Relative to the node root directory, `/`-separated; the agent refuses a path that escapes it. */
  path: Type.String(),
  recursive: Type.Optional(Type.Boolean()),
  /** For `read`: inclusive byte offsets, as an HTTP range. */
  rangeStart: Type.Optional(Type.Integer({ minimum: 0 })),
  rangeEnd: Type.Optional(Type.Integer({ minimum: 0 })),
});

/**
 * Upload the agent's log files that hold entries between `startTime` and `endTime` (ISO 8601) to the
 * container, each as `<virtualDirectory><file name>`; the agent answers `logsUploaded`.
 */
export const UploadLogsMessage = message("uploadLogs", {
  containerUrl: Type.String(),
  /** Ends with `/`. */
  virtualDirectory: Type.String(),
  startTime: Type.String(),
  endTime: Type.String(),
});

/** The node leaves the pool: stop every task (SIGTERM, then SIGKILL) and exit with status 0. */
export const ShutdownMessage = message("shutdown", { reason: Type.String() });

/** Registration refused or a protocol error; the service closes the connection after it. */
export const ErrorMessage = message("error", { code: Type.String(), message: Type.String() });

export const ServiceMessage = Type.Union([
  RegisteredMessage,
  DispatchMessage,
  TerminateMessage,
  AckMessage,
  FileRequestMessage,
  ShutdownMessage,
  ErrorMessage,
  UploadLogsMessage,
  RunApplicationMessage,
  RemoteShellStartMessage,
  RemoteShellOutputMessage,
  RemoteShellExitMessage,
  RemoteShellCloseMessage,
]);
export type ServiceMessage = Static<typeof ServiceMessage>;
export type RunApplicationMessage = Static<typeof RunApplicationMessage>;
export type RemoteShellStartMessage = Static<typeof RemoteShellStartMessage>;
export type UploadLogsMessage = Static<typeof UploadLogsMessage>;
export type RegisteredMessage = Static<typeof RegisteredMessage>;
export type DispatchMessage = Static<typeof DispatchMessage>;
export type TerminateMessage = Static<typeof TerminateMessage>;
export type AckMessage = Static<typeof AckMessage>;
export type FileRequestMessage = Static<typeof FileRequestMessage>;
export type ShutdownMessage = Static<typeof ShutdownMessage>;
export type ErrorMessage = Static<typeof ErrorMessage>;

const agentMessageCheck = Compile(AgentMessage);
const serviceMessageCheck = Compile(ServiceMessage);

/** Parses and checks one frame sent by an agent; `undefined` when it is not a valid message. */
export function parseAgentMessage(text: string): AgentMessage | undefined {
  return parseWith(agentMessageCheck, text) as AgentMessage | undefined;
}

/** Parses and checks one frame sent by the service; `undefined` when it is not a valid message. */
export function parseServiceMessage(text: string): ServiceMessage | undefined {
  return parseWith(serviceMessageCheck, text) as ServiceMessage | undefined;
}

function parseWith(check: { Check(value: unknown): boolean }, text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return check.Check(value) ? value : undefined;
}

type Without<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
/** A message as code writes it; the sender's connection fills in `protocolVersion` and `requestId`. */
export type OutgoingAgentMessage = Without<AgentMessage, "protocolVersion" | "requestId">;
export type OutgoingServiceMessage = Without<ServiceMessage, "protocolVersion" | "requestId">;
