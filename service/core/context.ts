/**
 * What the account's commands work with: the store, the scheduler, the links to nodes and to the
 * machines behind them. Built once in `service/main.ts`.
 */
import type {
  FileRequestMessage,
  FileResponseMessage,
  LogsUploadedMessage,
  OutgoingServiceMessage,
  UploadLogsMessage,
} from "../../protocol/agent.js";
import type { NetworkIsolationInfo } from "../../protocol/rest/virtualNetwork.js";
import type { PreemptionConfig } from "./preemptions.js";
import type { NodeRecord, PoolRecord } from "./records.js";

export interface AccountConfig {
  accountName: string;
  /** The REST endpoint, e.g. `http://127.0.0.1:8765`; used in every `url` property. */
  endpoint: string;
  heartbeatIntervalMs: number;
  /** SIGTERM → SIGKILL grace when a task is terminated. */
  terminateGraceMs: number;
  /** How long a node may be silent before its tasks are requeued (service/core/lostNodes.ts); default 5 min. */
  nodeLostAfterMs?: number;
  /** Free space under a node root below which the node is full (service/core/diskSpace.ts); default min(1%, 50 MiB). */
  minFreeDiskBytes?: number;
  /** Shortest recurrenceInterval and startWindow a job schedule may have (Azure: 1 minute). */
  minimumScheduleIntervalMs: number;
  /** The account key (base64): it also signs the container URLs of the account's file store. */
  accountKey: string;
  /** The account's file store (`<data-dir>/storage`): one directory per container. */
  storageDirectory: string;
  /** The archives of application packages (`<data-dir>/applications`): one directory per application. */
  applicationsDirectory: string;
  /** Preemption of low-priority nodes (core/preemptions.ts); default: on command only, back after 60 s. */
  preemption?: PreemptionConfig;
}

/** The live connections to agents (service/gateway). */
export interface NodeLink {
  isConnected(poolId: string, nodeId: string): boolean;
  /** Sends if the node is connected; `false` when it is not (the caller decides what that means). */
  send(poolId: string, nodeId: string, message: OutgoingServiceMessage): boolean;
  /** A file request answered by the agent; rejects with a BatchError when the node cannot answer. */
  requestFile(
    poolId: string,
    nodeId: string,
    request: Omit<FileRequestMessage, "type" | "protocolVersion" | "requestId">,
  ): Promise<FileResponseMessage>;
  /** Has the agent upload its log files; resolves with its answer, rejects when it cannot be asked. */
  uploadLogs(
    poolId: string,
    nodeId: string,
    request: Omit<UploadLogsMessage, "type" | "protocolVersion" | "requestId">,
  ): Promise<LogsUploadedMessage>;
}

/** The machines behind nodes (service/provisioners): local processes, scale sets, Auto Scaling groups. */
export interface Machines {
  /** Starts machines for new node records; each will run an agent that registers with `pool.joinToken`. */
  provision(pool: PoolRecord, nodes: NodeRecord[]): void;
  /** Stops a node's machine; resolves when it is gone. */
  release(node: NodeRecord): Promise<void>;
  /** Whether `reboot` can restart a node's machine (external machines belong to whoever runs them). */
  readonly reboots: boolean;
  /** Restarts a node's machine (its agent stops, its tasks die, a new agent registers); resolves once it is restarting. */
  reboot(pool: PoolRecord, node: NodeRecord): Promise<void>;
  /**
   * Reimages a node's machine: as `reboot`, but its node directories start empty. Absent where the
   * machines cannot be reimaged by this service (cloud groups and external machines, for now).
   */
  reimage?(pool: PoolRecord, node: NodeRecord): Promise<void>;
  /**
   * Takes a low-priority node's machine away (a Spot eviction): its agent stops, its tasks with it.
   * The node comes back through `reimage`. Absent where this service cannot evict machines.
   */
  preempt?(node: NodeRecord): Promise<void>;
  /**
   * Called once at start-up with every known node: adopt machines still running, restart lost ones
   * (a preempted node's machine stays gone).
   */
  recover(pools: PoolRecord[], nodes: NodeRecord[]): void;
  /** Where a node's root directory is (reported in task `nodeInfo`). */
  rootDirectory(poolId: string, nodeId: string): string;
  /**
   * How nodes on a local virtual network are kept apart on this host; absent for machines this
   * service does not start (they get no namespaces: `loopback`).
   */
  readonly networkIsolation?: NetworkIsolationInfo;
}
