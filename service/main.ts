/**
 * The account service: REST API (Azure Batch), agent gateway, scheduler and a provisioner (local agent
 * processes; external: agents started by someone else; azure / aws: scale sets and Auto Scaling groups)
 * over one SQLite store.
 * `openbatch service start` runs it; tests and the demo start it in-process.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { AGENT_WS_PATH } from "../protocol/agent.js";
import { parseDuration } from "../protocol/duration.js";
import { BatchError } from "../protocol/errors.js";
import type { NetworkIsolationInfo } from "../protocol/rest/virtualNetwork.js";
import { removeServiceFile, writeServiceFile } from "../protocol/serviceFile.js";
import { AgentBundle, installationRoot } from "./agentBundle/agentBundle.js";
import { createRestApi } from "./api/server.js";
import { Account } from "./core/account.js";
import type { AccountConfig, Machines } from "./core/context.js";
import { networkNameOf } from "./core/virtualNetworks.js";
import { AgentGateway } from "./gateway/gateway.js";
import type { AwsProvisionerConfig } from "./provisioners/aws.js";
import type { AzureProvisionerConfig } from "./provisioners/azure.js";
import { cloudMachines } from "./provisioners/cloudMachines.js";
import { ExternalMachines } from "./provisioners/external.js";
import { LocalMachines } from "./provisioners/local.js";
import { probeNamespaces } from "./provisioners/localNetwork.js";
import { SqliteStore } from "./store/sqlite.js";

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
  /** Where service log lines go (default: stderr). */
  log?: (line: string) => void;
}

export type ProvisionerKind = "local" | "external" | "azure" | "aws";
export type NetworkIsolationOption = "auto" | "namespaces" | "loopback";

/**
 * While it runs, the service names itself in `<dataDir>/service.json` (protocol/serviceFile.ts) and
 * removes that file when closed.
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

  const store = new SqliteStore(path.join(dataDir, "account.db"));
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
  };
  const gateway = new AgentGateway(log);
  const serviceUrl = () => `${config.endpoint.replace(/^http/, "ws")}${AGENT_WS_PATH}`;
  const local =
    options.provisioner === undefined || options.provisioner === "local"
      ? new LocalMachines({
          dataDir,
          agentEntry: fileURLToPath(new URL("../agent/main.js", import.meta.url)),
          serviceUrl,
          log,
          networkIsolation: await networkIsolation(options.networkIsolation),
          networkOf: (pool) => {
            const name = networkNameOf(pool);
            return name === undefined ? undefined : store.getVirtualNetwork(name);
          },
          // Connections on a bridge's gateway address go to the same HTTP server as the others.
          acceptConnection: (socket) => api.server.emit("connection", socket),
          saveNode: (node) => {
            if (store.getNode(node.poolId, node.id) === node) store.putNode(node);
          },
        })
      : undefined;
  const machines: Machines =
    local ??
    (options.provisioner === "azure" || options.provisioner === "aws"
      ? await cloudMachines(
          { provisioner: options.provisioner, azure: options.azure, aws: options.aws },
          {
            nodesOf: (poolId) => store.listNodes(poolId),
            reportResizeError: (poolId, error) => account.pools.recordResizeError(poolId, error),
            log,
          },
        )
      : new ExternalMachines({ dataDir, serviceUrl, nodeLink: gateway, log }));
  const account = new Account(store, config, gateway, machines);
  const agentBundle = new AgentBundle(
    installationRoot(path.dirname(fileURLToPath(import.meta.url))),
    path.join(dataDir, "agent-bundle"),
  );
  const api = createRestApi(account, { accountName: options.accountName, accountKey, log, agentBundle });
  let ready = false;
  api.addHook("onRequest", async () => {
    if (!ready) throw new BatchError("ServerBusy", "The service is starting.");
  });
  await api.listen({ host: options.host, port: options.port });
  const address = api.server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const host = options.host === "0.0.0.0" || options.host === "::" ? "127.0.0.1" : options.host;
  config.endpoint = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
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
      account.stop();
      local?.close();
      gateway.close();
      await api.close();
      await store.flush();
      store.close();
      removeServiceFile(dataDir, process.pid);
    },
  };
}

async function networkIsolation(option: NetworkIsolationOption = "auto"): Promise<NetworkIsolationInfo> {
  if (option === "loopback")
    return { isolation: "loopback", reason: "the service was started with network isolation 'loopback'" };
  const probed = await probeNamespaces();
  if (option === "namespaces" && probed.isolation !== "namespaces")
    throw new Error(
      `Network isolation 'namespaces' was asked for, but this host does not allow it: ${probed.reason}. ` +
        "Run the service as root with iproute2 installed, or use 'auto' or 'loopback'.",
    );
  return probed;
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
