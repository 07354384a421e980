/**
 * The account service: REST API (Azure Batch), agent gateway, scheduler and a provisioner (local agent
 * processes; external: agents started by someone else; azure / aws: scale sets and Auto Scaling groups)
 * over one SQLite store, or, on PostgreSQL, as one of several replicas (service/replicas/replica.ts,
 * docs/replicas.md). `openbatch service start` runs it; tests and the demo start it in-process.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { parseDuration } from "../protocol/duration.js";
import { BatchError } from "../protocol/errors.js";
import { removeServiceFile, writeServiceFile } from "../protocol/serviceFile.js";
import { assembleAccount, closeAccount } from "./accountParts.js";
import type { AccountConfig } from "./core/context.js";
import { DEFAULT_PREEMPTION, type PreemptionConfig } from "./core/preemptions.js";
import { httpEndpoint } from "./endpoint.js";
import type { AwsProvisionerConfig } from "./provisioners/aws.js";
import type { AzureProvisionerConfig } from "./provisioners/azure.js";
import { startReplica } from "./replicas/replica.js";
import { SqliteStore } from "./store/sqlite.js";
import { chooseStore } from "./store/storeChoice.js";

export interface ServiceOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  dataDir: string;
  accountName: string;
  /** Base64; generated (32 random bytes) and kept in `<dataDir>/account.json` when absent. */
  accountKey?: string;
  /**
   * Who starts the nodes' agents: `local` (default) runs each node as an agent process on this
   * machine; `external` only lists each pool's nodes in `<dataDir>/external/<poolId>.json` and waits
   * for agents started elsewhere to register (service/provisioners/external.ts); `azure` and `aws`
   * size each pool's scale set / Auto Scaling group `<prefix><poolId>` (service/provisioners/scaleGroups.ts),
   * whose machines' agents register with `--machine-id`.
   */
  provisioner?: ProvisionerKind;
  /**
   * How local nodes on a virtual network are kept apart: `auto` (default) gives each its own network
   * namespace where the host allows it (root and `ip netns`, probed at start) and falls back to
   * loopback otherwise; `namespaces` refuses to start without them; `loopback` never uses them.
   */
  networkIsolation?: NetworkIsolationOption;
  /** Where the pools' scale sets are, for `provisioner: "azure"`. */
  azure?: AzureProvisionerConfig;
  /** Where the pools' Auto Scaling groups are, for `provisioner: "aws"`. */
  aws?: AwsProvisionerConfig;
  heartbeatIntervalMs?: number;
  terminateGraceMs?: number;
  /**
   * How long a node's agent may be silent before its running tasks are requeued on other nodes
   * (service/core/lostNodes.ts); default 5 minutes. Agents end their own tasks after as long without
   * the service, so no task runs twice at once. At least 4 heartbeat intervals.
   */
  nodeLostAfterMs?: number;
  /** A node with less free space under its root is `unusable` (DiskFull); default 1% of its disk, at most 50 MiB. */
  minFreeDiskBytes?: number;
  /**
   * Shortest recurrenceInterval and startWindow a job schedule may have, as an ISO 8601 duration;
   * default `PT1M`, Azure's minimum.
   */
  minimumScheduleInterval?: string;
  /**
   * Where the account's records live: `sqlite` (default: `<dataDir>/account.db`) or a PostgreSQL URL,
   * `postgres://user@host:port/database?schema=name` (schema default `openbatch`), with which the
   * service runs as one of several replicas sharing that database (docs/replicas.md).
   */
  store?: string;
  /**
   * Random preemption of local low-priority nodes (service/core/preemptions.ts): preemptions per hour
   * across the account (default 0: on command only), the generator's seed (default 1), and how long a
   * preempted node waits before it comes back, as an ISO 8601 duration (default PT1M).
   */
  preemption?: { ratePerHour?: number; seed?: number; restoreAfter?: string };
  /** Where service log lines go (default: stderr). */
  log?: (line: string) => void;
}

export type ProvisionerKind = "local" | "external" | "azure" | "aws";
export type NetworkIsolationOption = "auto" | "namespaces" | "loopback";

/**
 * While it runs, the service names itself in `<dataDir>/service.json` (a replica: in
 * `<dataDir>/service-<port>.json`; protocol/serviceFile.ts) and removes that file when closed.
 */
export interface RunningService {
  endpoint: string;
  accountName: string;
  accountKey: string;
  /** Stops serving REST and agents. Node agents keep running, as VMs would, and reconnect to the next start. */
  close(): Promise<void>;
}

const ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;

export async function startService(options: ServiceOptions): Promise<RunningService> {
  if (!ACCOUNT_NAME.test(options.accountName)) {
    throw new Error(
      `Account name '${options.accountName}' is invalid: use 3 to 24 lower-case letters and digits.`,
    );
  }
  if (options.heartbeatIntervalMs !== undefined && !(options.heartbeatIntervalMs >= 100)) {
    throw new Error(`heartbeatIntervalMs ${options.heartbeatIntervalMs} is too short: use at least 100 ms.`);
  }
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 5_000;
  if (options.nodeLostAfterMs !== undefined && !(options.nodeLostAfterMs >= 4 * heartbeatIntervalMs)) {
    throw new Error(
      `nodeLostAfterMs ${options.nodeLostAfterMs} is too short for heartbeats every ${heartbeatIntervalMs} ms: ` +
        `use at least 4 heartbeat intervals (${4 * heartbeatIntervalMs} ms), or shorten the heartbeat interval.`,
    );
  }
  const log = options.log ?? ((line: string) => process.stderr.write(`openbatch: ${line}\n`));
  const dataDir = path.resolve(options.dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  const accountKey = resolveAccountKey(dataDir, options.accountName, options.accountKey);
  const config: AccountConfig = {
    accountName: options.accountName,
    endpoint: "",
    heartbeatIntervalMs,
    terminateGraceMs: options.terminateGraceMs ?? 5_000,
    nodeLostAfterMs: options.nodeLostAfterMs,
    minFreeDiskBytes: options.minFreeDiskBytes,
    minimumScheduleIntervalMs: minimumScheduleIntervalMs(options.minimumScheduleInterval),
    accountKey,
    storageDirectory: path.join(dataDir, "storage"),
    applicationsDirectory: path.join(dataDir, "applications"),
    preemption: preemptionConfig(options.preemption),
  };
  const store = chooseStore(options.store, dataDir);
  if (store.kind === "postgres")
    return startReplica({ options, dataDir, config, log, databaseUrl: store.url });

  const parts = await assembleAccount({
    options,
    dataDir,
    config,
    store: new SqliteStore(store.file),
    log,
    // Connections on a bridge's gateway address go to the same HTTP server as the others.
    acceptConnection: (socket) => api.server.emit("connection", socket),
  });
  const { account, api, gateway } = parts;
  let ready = false;
  api.addHook("onRequest", async () => {
    if (!ready) throw new BatchError("ServerBusy", "The service is starting.");
  });
  await api.listen({ host: options.host, port: options.port });
  config.endpoint = httpEndpoint(api.server, options.host, options.port);
  gateway.listen(api.server, account);
  account.start();
  ready = true;
  writeServiceFile(dataDir, {
    pid: process.pid,
    endpoint: config.endpoint,
    accountName: options.accountName,
    startedAt: new Date().toISOString(),
  });

  return {
    endpoint: config.endpoint,
    accountName: options.accountName,
    accountKey,
    async close() {
      await closeAccount(parts);
      removeServiceFile(dataDir, process.pid);
    },
  };
}

function preemptionConfig(given: ServiceOptions["preemption"] = {}): PreemptionConfig {
  const ratePerHour = given.ratePerHour ?? DEFAULT_PREEMPTION.ratePerHour;
  if (!(ratePerHour >= 0) || !Number.isFinite(ratePerHour))
    throw new Error(`The preemption rate ${ratePerHour} is not a number of preemptions per hour >= 0.`);
  const restoreAfterMs =
    given.restoreAfter === undefined ? DEFAULT_PREEMPTION.restoreAfterMs : parseDuration(given.restoreAfter);
  if (restoreAfterMs === undefined)
    throw new Error(
      `The preempted node restore time '${given.restoreAfter}' is not an ISO 8601 duration, e.g. PT1M or PT5S.`,
    );
  return { ratePerHour, seed: given.seed ?? DEFAULT_PREEMPTION.seed, restoreAfterMs };
}

function minimumScheduleIntervalMs(text = "PT1M"): number {
  const ms = parseDuration(text);
  if (ms === undefined) {
    throw new Error(
      `The minimum schedule interval '${text}' is not an ISO 8601 duration, e.g. PT1M or PT5S.`,
    );
  }
  return ms;
}

/** The key given, else the one kept in the data directory, else a new one (kept there, mode 0600). */
function resolveAccountKey(dataDir: string, accountName: string, given: string | undefined): string {
  const file = path.join(dataDir, "account.json");
  if (given) {
    if (Buffer.from(given, "base64").length < 16)
      throw new Error("The account key must be base64 of at least 16 bytes.");
  } else if (fs.existsSync(file)) {
    const saved = JSON.parse(fs.readFileSync(file, "utf8")) as { accountName: string; accountKey: string };
    if (saved.accountName === accountName) return saved.accountKey;
  }
  const accountKey = given ?? randomBytes(32).toString("base64");
  fs.writeFileSync(file, JSON.stringify({ accountName, accountKey }, null, 2), { mode: 0o600 });
  return accountKey;
}
