/**
 * The local provisioner: a node's "VM" is an agent process on this machine, started detached (its own
 * process group) so that it outlives a service restart, as a VM would, with its own node root directory
 * under `<dataDir>/nodes/<pool>/<node>` and its log beside it. Removing a node stops the agent (SIGTERM:
 * it ends its tasks and exits; SIGKILL to its group after a grace) and deletes its directory.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { Machines } from "../core/context.js";
import type { NodeRecord, PoolRecord } from "../core/records.js";
import { commandLineIncludes, isAlive, signal, waitForExit } from "./processes.js";

export interface LocalMachinesOptions {
  dataDir: string;
  /** The compiled agent entry (`dist/agent/main.js`). */
  agentEntry: string;
  /** The agents' WebSocket URL; known once the service listens. */
  serviceUrl: () => string;
  /** Time an agent gets to stop its tasks and exit before it is killed. */
  stopGraceMs?: number;
  log: (line: string) => void;
}

export class LocalMachines implements Machines {
  readonly reboots = true;

  constructor(private readonly options: LocalMachinesOptions) {}

  rootDirectory(poolId: string, nodeId: string): string {
    return path.join(this.options.dataDir, "nodes", poolId, nodeId);
  }

  provision(pool: PoolRecord, nodes: NodeRecord[]): void {
    for (const node of nodes) node.machine.pid = this.startAgent(pool, node);
  }

  async release(node: NodeRecord): Promise<void> {
    await this.stopAgent(node);
    await fs.promises.rm(node.machine.rootDirectory, { recursive: true, force: true });
    await fs.promises.rm(`${node.machine.rootDirectory}.agent.log`, { force: true });
  }

  /** A local "reboot": the agent stops (its tasks with it) and a new one starts on the same directory. */
  async reboot(pool: PoolRecord, node: NodeRecord): Promise<void> {
    await this.stopAgent(node);
    node.machine.pid = this.startAgent(pool, node);
  }

  /** SIGTERM (the agent ends its tasks and exits), then SIGKILL to its process group after the grace. */
  private async stopAgent(node: NodeRecord): Promise<void> {
    const pid = node.machine.pid;
    if (pid && this.isOurAgent(pid, node)) {
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

  recover(pools: PoolRecord[], nodes: NodeRecord[]): void {
    const byId = new Map(pools.map((p) => [p.id, p]));
    for (const node of nodes) {
      const pool = byId.get(node.poolId);
      if (!pool || node.state === "leavingpool" || pool.state === "deleting") continue;
      if (node.machine.pid && this.isOurAgent(node.machine.pid, node)) continue;
      this.options.log(`agent of node ${node.poolId}/${node.id} is not running; starting it again`);
      node.machine.pid = this.startAgent(pool, node);
    }
  }

  private startAgent(pool: PoolRecord, node: NodeRecord): number | undefined {
    const root = node.machine.rootDirectory;
    fs.mkdirSync(root, { recursive: true });
    const log = fs.openSync(`${root}.agent.log`, "a");
    try {
      const child = spawn(
        process.execPath,
        [
          this.options.agentEntry,
          "--service-url",
          this.options.serviceUrl(),
          "--pool-id",
          pool.id,
          "--node-id",
          node.id,
          "--root",
          root,
          "--ip-address",
          "127.0.0.1",
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
      return child.pid;
    } finally {
      fs.closeSync(log);
    }
  }

  private isOurAgent(pid: number, node: NodeRecord): boolean {
    return isAlive(pid) && commandLineIncludes(pid, node.machine.rootDirectory);
  }
}
