/**
 * The local provisioner: a node's "VM" is an agent process on this machine, started detached (its own
 * process group) so that it outlives a service restart, as a VM would, with its own node root directory
 * under `<dataDir>/nodes/<pool>/<node>` and its log beside it. Removing a node stops the agent (SIGTERM:
 * it ends its tasks and exits; SIGKILL to its group after a grace) and deletes its directory; reimaging
 * it does the same and starts a new agent on the empty directory.
 *
 * A pool on a local network (a virtual network, or an inter-node pool's own: core/poolNetworks.ts),
 * where the host allows namespaces, gets more: each node its own network namespace and address
 * (namespaceNetworks.ts), its agent started inside it (`ip netns exec`) with `--ip-address` set to
 * that address and the service reached at the network's gateway. Otherwise (`loopback`) its nodes run
 * as any other, on 127.0.0.1 — except in a pool with inter-node communication, where each node gets an
 * address of its own on loopback (`loopbackAddress`), so that MPI hostfiles name distinct hosts.
 *
 * An agent that dies while its node should be up is started again (agentSupervision.ts); one that
 * keeps dying at once makes its node `unusable`, with an error saying so.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { NetworkIsolationInfo } from "../../protocol/rest/virtualNetwork.js";
import type { Machines } from "../core/context.js";
import { nodeKey as keyOf } from "../core/dispatches.js";
import type { LocalNetwork } from "../core/poolNetworks.js";
import type { NodeRecord, PoolRecord } from "../core/records.js";
import {
  type AgentExit,
  AgentSupervisor,
  DEFAULT_SUPERVISION,
  nextRestart,
  type SupervisionPolicy,
} from "./agentSupervision.js";
import { NamespaceNetworks, type NamespaceNetworksOptions } from "./namespaceNetworks.js";
import { commandLineIncludes, isAlive, killProcessesIn, signal, waitForExit } from "./processes.js";

export interface LocalMachinesOptions {
  dataDir: string;
  /** The compiled agent entry (`dist/agent/main.js`). */
  agentEntry: string;
  /** The agents' WebSocket URL; known once the service listens. */
  serviceUrl: () => string;
  /**
   * The other service replicas' agent URLs (docs/replicas.md). Each agent gets them with this
   * service's own, the list rotated by one per agent started, so that agents spread over replicas.
   */
  otherServiceUrls?: () => string[];
  /** Time an agent gets to stop its tasks and exit before it is killed. */
  stopGraceMs?: number;
  log: (line: string) => void;
  /** What the host allows (service/provisioners/localNetwork.ts probes it once at start). */
  networkIsolation: NetworkIsolationInfo;
  /** The network a pool's nodes go on, if any (service/core/poolNetworks.ts). */
  networkOf: (pool: PoolRecord) => LocalNetwork | undefined;
  /** Hands a connection made on a bridge's gateway address to the service. */
  acceptConnection: NamespaceNetworksOptions["acceptConnection"];
  /** Writes a node whose machine facts changed after `provision` returned (its agent's pid, an error). */
  saveNode: (node: NodeRecord) => void;
  /** The current records, to decide whether a dead agent's node should still be up. */
  poolOf: (poolId: string) => PoolRecord | undefined;
  nodeOf: (poolId: string, nodeId: string) => NodeRecord | undefined;
  /** The node's agent keeps dying at once and is not restarted again: the node is unusable. */
  agentFailed: (node: NodeRecord, error: { code: string; message: string }) => void;
  supervision?: SupervisionPolicy;
}

/** The node error of a node whose agent kept dying at once. */
export const AGENT_KEEPS_EXITING = "AgentKeepsExiting";

export class LocalMachines implements Machines {
  readonly reboots = true;
  readonly networkIsolation: NetworkIsolationInfo;
  private readonly networks: NamespaceNetworks | undefined;
  /** Namespaces being made, by node: the agent starts, or the node is released, after. */
  private readonly setups = new Map<string, Promise<void>>();
  private readonly supervisor: AgentSupervisor;
  /** How far the next agent's list of service URLs is rotated. */
  private agentsStarted = 0;

  constructor(private readonly options: LocalMachinesOptions) {
    this.networkIsolation = options.networkIsolation;
    this.supervisor = new AgentSupervisor(options.supervision ?? DEFAULT_SUPERVISION, (key, exit) =>
      this.agentExited(key, exit),
    );
    this.networks =
      options.networkIsolation.isolation === "namespaces"
        ? new NamespaceNetworks({
            dataDir: options.dataDir,
            acceptConnection: options.acceptConnection,
            servicePort: () => Number(new URL(options.serviceUrl()).port),
            log: options.log,
          })
        : undefined;
  }

  rootDirectory(poolId: string, nodeId: string): string {
    return path.join(this.options.dataDir, "nodes", poolId, nodeId);
  }

  provision(pool: PoolRecord, nodes: NodeRecord[]): void {
    const network = this.networks && this.options.networkOf(pool);
    for (const node of nodes) {
      if (network) this.provisionInNamespace(pool, node, network);
      else node.machine.pid = this.startAgent(pool, node);
    }
  }

  /** Reserves the node's address now; makes its namespace and starts its agent there in the background. */
  private provisionInNamespace(pool: PoolRecord, node: NodeRecord, network: LocalNetwork): void {
    const networks = this.networks!;
    const key = `${node.poolId}/${node.id}`;
    let setup: Promise<void>;
    try {
      const attachment = networks.reserve(network, node);
      node.machine.network = attachment;
      setup = networks.attach(network, attachment).then(() => {
        node.machine.pid = this.startAgent(pool, node);
      });
    } catch (error) {
      setup = Promise.reject(error);
    }
    const done = setup.then(
      () => this.options.saveNode(node),
      (error: unknown) => {
        const message = `The node's network namespace on ${network.label} could not be made: ${error instanceof Error ? error.message : String(error)}`;
        this.options.log(`node ${key}: ${message}`);
        node.errors = [{ code: "NetworkSetupFailed", message }];
        this.options.saveNode(node);
      },
    );
    this.setups.set(key, done);
    void done.then(() => this.setups.delete(key));
  }

  async release(node: NodeRecord): Promise<void> {
    await this.setups.get(`${node.poolId}/${node.id}`);
    await this.stopAgent(node);
    const attachment = node.machine.network;
    if (attachment && this.networks) {
      await this.networks
        .detach(attachment)
        .catch((error: unknown) => this.options.log(`node ${node.poolId}/${node.id}: ${error}`));
    }
    // Whatever still runs in the node's directory goes now, or the deletion races its writes (ENOTEMPTY).
    killProcessesIn(node.machine.rootDirectory);
    await fs.promises.rm(node.machine.rootDirectory, { recursive: true, force: true, maxRetries: 3 });
    await fs.promises.rm(`${node.machine.rootDirectory}.agent.log`, { force: true });
  }

  /** Stops listening on the bridges' gateway addresses and supervising; nodes, namespaces, bridges and agents stay. */
  close(): void {
    this.supervisor.close();
    this.networks?.close();
  }

  /** A local "reboot": the agent stops (its tasks with it) and a new one starts on the same directory. */
  async reboot(pool: PoolRecord, node: NodeRecord): Promise<void> {
    await this.stopAgent(node);
    clearAgentError(node);
    node.machine.pid = this.startAgent(pool, node);
  }

  /** A local "reimage": the agent stops, its node root is deleted, and a fresh agent starts on the same node id. */
  async reimage(pool: PoolRecord, node: NodeRecord): Promise<void> {
    await this.stopAgent(node);
    await fs.promises.rm(node.machine.rootDirectory, { recursive: true, force: true });
    clearAgentError(node);
    node.machine.pid = this.startAgent(pool, node);
  }

  /**
   * A local Spot eviction: the agent stops (its tasks with it), as a reboot's first half; `reimage`
   * brings the node back on a fresh directory.
   */
  preempt(node: NodeRecord): Promise<void> {
    return this.stopAgent(node);
  }

  /** SIGTERM (the agent ends its tasks and exits), then SIGKILL to its process group after the grace. */
  private async stopAgent(node: NodeRecord): Promise<void> {
    const pid = node.machine.pid;
    // A child started a moment ago may not have exec'd the agent yet: its command line is still ours.
    const ours =
      pid !== undefined && (this.supervisor.isOwnChild(nodeKey(node), pid) || this.isOurAgent(pid, node));
    this.supervisor.forget(nodeKey(node));
    if (pid && ours && isAlive(pid)) {
      signal(pid, "SIGTERM");
      if (!(await waitForExit(pid, this.options.stopGraceMs ?? 10_000))) {
        this.options.log(
          `agent of node ${node.poolId}/${node.id} (pid ${pid}) did not stop; killing its process group`,
        );
        signal(-pid, "SIGKILL");
        await waitForExit(pid, 5_000);
      }
    }
  }

  /** Adopts running agents; restarts lost ones, after their namespaces are back (when they have one). */
  recover(pools: PoolRecord[], nodes: NodeRecord[]): void {
    const byId = new Map(pools.map((p) => [p.id, p]));
    const restart = (node: NodeRecord) => {
      const pool = byId.get(node.poolId);
      if (!pool || !this.shouldRun(pool, node)) return;
      const pid = node.machine.pid;
      if (pid && this.isOurAgent(pid, node)) {
        this.supervisor.watchPid(nodeKey(node), pid, () => this.isOurAgent(pid, node));
        return;
      }
      this.options.log(`agent of node ${node.poolId}/${node.id} is not running; starting it again`);
      node.machine.pid = this.startAgent(pool, node);
      return node;
    };
    const attached = nodes.flatMap((node) => {
      const pool = byId.get(node.poolId);
      const network = pool && node.machine.network ? this.options.networkOf(pool) : undefined;
      return network ? [{ node, network }] : [];
    });
    const inNamespaces = new Set(attached.map(({ node }) => node));
    for (const node of nodes) if (!inNamespaces.has(node) || !this.networks) restart(node);
    // Also with no node attached: strays of an earlier run are deleted.
    if (!this.networks) return;
    const recovered = this.networks.recover(attached).then(() => {
      for (const { node } of attached) if (restart(node)) this.options.saveNode(node);
    });
    for (const { node } of attached) {
      const key = `${node.poolId}/${node.id}`;
      this.setups.set(key, recovered);
      void recovered.then(() => this.setups.get(key) === recovered && this.setups.delete(key));
    }
  }

  /** A node's agent should run unless the node leaves, was preempted, its pool goes, or it was given up on. */
  private shouldRun(pool: PoolRecord, node: NodeRecord): boolean {
    return (
      pool.state !== "deleting" &&
      node.state !== "leavingpool" &&
      node.state !== "preempted" &&
      !node.errors?.some((error) => error.code === AGENT_KEEPS_EXITING)
    );
  }

  /** A watched agent died: start it again while its node should be up, or give the node up. */
  private agentExited(key: string, exit: AgentExit): void {
    const [poolId, nodeId] = key.split("/") as [string, string];
    const pool = this.options.poolOf(poolId);
    const node = this.options.nodeOf(poolId, nodeId);
    if (!pool || !node || !this.shouldRun(pool, node)) {
      this.supervisor.forget(key);
      return;
    }
    const decision = nextRestart(this.supervisor.policy, exit.quickExits);
    const log = `${node.machine.rootDirectory}.agent.log`;
    if (decision === "give up") {
      const within = this.supervisor.policy.quickExitMs / 1000;
      const message = `The node's agent exited ${exit.quickExits} times in a row within ${within} s of its start (last: ${exit.how}), so it is not started again. See its log, ${log}; then reboot or reimage the node, or remove it.`;
      this.options.log(`node ${key}: ${message}`);
      this.supervisor.forget(key);
      // Its tasks die with it, before the service requeues them elsewhere.
      const killed = killProcessesIn(node.machine.rootDirectory);
      if (killed > 0) this.options.log(`node ${key}: killed ${killed} leftover task processes`);
      this.options.agentFailed(node, { code: AGENT_KEEPS_EXITING, message });
      return;
    }
    this.options.log(
      `agent of node ${key} (pid ${node.machine.pid}) died (${exit.how}); starting it again${decision.delayMs ? ` in ${decision.delayMs} ms` : ""}`,
    );
    this.supervisor.scheduleRestart(key, decision.delayMs, () => {
      const current = this.options.nodeOf(poolId, nodeId);
      const currentPool = this.options.poolOf(poolId);
      if (!current || !currentPool || !this.shouldRun(currentPool, current)) return;
      current.machine.pid = this.startAgent(currentPool, current);
      this.options.saveNode(current);
    });
  }

  /** Starts the node's agent: inside its namespace, when it has one. */
  private startAgent(pool: PoolRecord, node: NodeRecord): number | undefined {
    const root = node.machine.rootDirectory;
    fs.mkdirSync(root, { recursive: true });
    const log = fs.openSync(`${root}.agent.log`, "a");
    const attachment = this.networks ? node.machine.network : undefined;
    const serviceUrl = new URL(this.options.serviceUrl());
    if (attachment) serviceUrl.hostname = attachment.gateway;
    // Inside a namespace only this service's bridge listener is reachable.
    const serviceUrls = attachment
      ? [serviceUrl.toString()]
      : rotate([serviceUrl.toString(), ...(this.options.otherServiceUrls?.() ?? [])], this.agentsStarted++);
    // `ip netns exec` enters the namespace and execs the agent: the pid stays the agent's.
    const [command, ...prefix] = attachment
      ? ["ip", "netns", "exec", attachment.namespace, process.execPath]
      : [process.execPath];
    try {
      const child = spawn(
        command!,
        [
          ...prefix,
          this.options.agentEntry,
          "--service-url",
          serviceUrls.join(","),
          "--pool-id",
          pool.id,
          "--node-id",
          node.id,
          "--root",
          root,
          "--ip-address",
          attachment?.address ?? loopbackAddress(pool, node),
        ],
        // The join token travels in the environment, not argv, so `ps` does not show it.
        {
          detached: true,
          stdio: ["ignore", log, log],
          env: { ...process.env, OPENBATCH_JOIN_TOKEN: pool.joinToken },
        },
      );
      child.on("error", (error) =>
        this.options.log(`could not start the agent of ${pool.id}/${node.id}: ${error.message}`),
      );
      child.unref();
      this.supervisor.watchChild(nodeKey(node), child);
      return child.pid;
    } finally {
      fs.closeSync(log);
    }
  }

  private isOurAgent(pid: number, node: NodeRecord): boolean {
    return isAlive(pid) && commandLineIncludes(pid, node.machine.rootDirectory);
  }
}

function nodeKey(node: NodeRecord): string {
  return keyOf(node.poolId, node.id);
}

function clearAgentError(node: NodeRecord): void {
  const errors = node.errors?.filter((error) => error.code !== AGENT_KEEPS_EXITING);
  node.errors = errors?.length ? errors : undefined;
}

function rotate<T>(items: T[], by: number): T[] {
  const start = by % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}

/**
 * A node's address: 127.0.0.1, or in a pool with inter-node communication `127.1.<hi>.<lo>` from the
 * node's number in its pool (unique within the pool, which is all a multi-instance task spans). No
 * interface has it, so MPI launchers treat each node as a remote host and start it through
 * `openbatch-rsh`; the traffic itself still flows over loopback.
 */
export function loopbackAddress(pool: PoolRecord, node: NodeRecord): string {
  const number = Number(/_(\d+)_/.exec(node.id)?.[1] ?? 0);
  if (!pool.spec.enableInterNodeCommunication || !(number > 0 && number < 65536)) return "127.0.0.1";
  return `127.1.${number >> 8}.${number & 255}`;
}
