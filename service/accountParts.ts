/**
 * The parts of a running account, assembled over a store: the Account (core, scheduler, autoscale),
 * the agent gateway, the REST API (a fastify instance, not yet listening) and the provisioner of the
 * pools' machines. A single service (service/main.ts) puts them behind its own listening socket; a
 * replica (service/replicas/replica.ts) assembles them when it becomes the leader, behind the socket it
 * already listens on.
 */
import type { Socket } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { AGENT_WS_PATH } from "../protocol/agent.js";
import type { NetworkIsolationInfo } from "../protocol/rest/virtualNetwork.js";
import { AgentBundle, installationRoot } from "./agentBundle/agentBundle.js";
import { createRestApi } from "./api/server.js";
import { Account } from "./core/account.js";
import type { AccountConfig, Machines } from "./core/context.js";
import { localNetworkOf } from "./core/poolNetworks.js";
import { AgentGateway } from "./gateway/gateway.js";
import type { NetworkIsolationOption, ServiceOptions } from "./main.js";
import { cloudMachines } from "./provisioners/cloudMachines.js";
import { ExternalMachines } from "./provisioners/external.js";
import { LocalMachines } from "./provisioners/local.js";
import { probeNamespaces } from "./provisioners/localNetwork.js";
import type { Store } from "./store/store.js";

export interface AccountSetup {
  options: ServiceOptions;
  /** Absolute. */
  dataDir: string;
  /** Compiled from the options; its `endpoint` is set once the service's address is known, before `account.start()`. */
  config: AccountConfig;
  store: Store;
  log: (line: string) => void;
  /** Hands a connection made on a local network bridge's gateway address to the service's HTTP server. */
  acceptConnection: (socket: Socket) => void;
  /**
   * The other service replicas' agent URLs (docs/replicas.md), given to agents after this service's
   * own; absent for a single service.
   */
  otherAgentUrls?: () => string[];
}

export interface AccountParts {
  account: Account;
  gateway: AgentGateway;
  api: FastifyInstance;
  local: LocalMachines | undefined;
  store: Store;
}

export async function assembleAccount(setup: AccountSetup): Promise<AccountParts> {
  const { options, dataDir, config, store, log } = setup;
  const gateway = new AgentGateway(log);
  const serviceUrl = () => `${config.endpoint.replace(/^http/, "ws")}${AGENT_WS_PATH}`;
  const local =
    options.provisioner === undefined || options.provisioner === "local"
      ? new LocalMachines({
          dataDir,
          agentEntry: fileURLToPath(new URL("../agent/main.js", import.meta.url)),
          serviceUrl,
          otherServiceUrls: setup.otherAgentUrls,
          log,
          networkIsolation: await networkIsolation(options.networkIsolation),
          networkOf: (pool) => localNetworkOf(pool, (name) => store.getVirtualNetwork(name)),
          acceptConnection: setup.acceptConnection,
          saveNode: (node) => {
            if (store.getNode(node.poolId, node.id) === node) store.putNode(node);
          },
          poolOf: (poolId) => store.getPool(poolId),
          nodeOf: (poolId, nodeId) => store.getNode(poolId, nodeId),
          agentFailed: (node, error) => account.nodes.markUnusable(node, error),
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
      : new ExternalMachines({
          dataDir,
          // With replicas, the list of every replica's URL: the agent fails over along it.
          serviceUrl: () => [serviceUrl(), ...(setup.otherAgentUrls?.() ?? [])].join(","),
          nodeLink: gateway,
          log,
        }));
  const account = new Account(store, config, gateway, machines);
  const agentBundle = new AgentBundle(
    installationRoot(path.dirname(fileURLToPath(import.meta.url))),
    path.join(dataDir, "agent-bundle"),
  );
  const api = createRestApi(account, {
    accountName: options.accountName,
    accountKey: config.accountKey,
    log,
    agentBundle,
  });
  return { account, gateway, api, local, store };
}

/** Stops the account's timers, its agents' sessions and its REST API, then commits and closes the store. */
export async function closeAccount(parts: AccountParts): Promise<void> {
  parts.account.stop();
  parts.local?.close();
  parts.gateway.close();
  await parts.api.close();
  await parts.store.flush();
  parts.store.close();
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
