/**
 * The external provisioner, "bring your own machines": the service starts nothing. It lists each
 * pool's nodes in `<dataDir>/external/<poolId>.json` (protocol/externalPool.ts), and a node waits in
 * `starting` until an agent started by someone else registers with its node id and the pool's join
 * token. Releasing a node takes it off the list and tells its agent, if connected, to shut down.
 */
import fs from "node:fs";
import path from "node:path";
import type { ExternalPoolFile } from "../../protocol/externalPool.js";
import type { Machines, NodeLink } from "../core/context.js";
import type { NodeRecord, PoolRecord } from "../core/records.js";

export interface ExternalMachinesOptions {
  dataDir: string;
  /** The agents' WebSocket URL; known once the service listens. */
  serviceUrl: () => string;
  nodeLink: NodeLink;
  log: (line: string) => void;
}

interface ListedPool {
  joinToken: string;
  /** Node id → isDedicated, in creation order. */
  nodes: Map<string, boolean>;
}

export class ExternalMachines implements Machines {
  private readonly pools = new Map<string, ListedPool>();
  /** Per pool, the rewrite queued for the next turn: a pool of 10,000 nodes that is deleted is written once, not 10,000 times. */
  private readonly pendingWrites = new Map<string, Promise<void>>();

  constructor(private readonly options: ExternalMachinesOptions) {}

  private get directory(): string {
    return path.join(this.options.dataDir, "external");
  }

  /** Informational: the agent reports its own root directory when it registers. */
  rootDirectory(poolId: string, nodeId: string): string {
    return path.join(this.directory, poolId, nodeId);
  }

  provision(pool: PoolRecord, nodes: NodeRecord[]): void {
    const listed = this.listed(pool);
    for (const node of nodes) listed.nodes.set(node.id, node.isDedicated);
    // At once, so that the file lists the nodes when the pool's REST call returns.
    this.write(pool.id);
  }

  /** The machines belong to whoever runs them: the service cannot restart one. */
  readonly reboots = false;

  reboot(): Promise<void> {
    return Promise.reject(new Error("an external machine is rebooted by whoever runs it"));
  }

  release(node: NodeRecord): Promise<void> {
    this.pools.get(node.poolId)?.nodes.delete(node.id);
    this.options.nodeLink.send(node.poolId, node.id, {
      type: "shutdown",
      reason: `node ${node.id} left pool ${node.poolId}`,
    });
    return this.writeSoon(node.poolId);
  }

  recover(pools: PoolRecord[], nodes: NodeRecord[]): void {
    this.pools.clear();
    const byId = new Map(pools.map((p) => [p.id, p]));
    for (const node of nodes) {
      const pool = byId.get(node.poolId);
      if (!pool || pool.state === "deleting" || node.state === "leavingpool") continue;
      this.listed(pool).nodes.set(node.id, node.isDedicated);
    }
    const files = fs.existsSync(this.directory) ? fs.readdirSync(this.directory) : [];
    const stale = files.filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -".json".length));
    for (const poolId of new Set([...stale, ...this.pools.keys()])) this.write(poolId);
  }

  private listed(pool: PoolRecord): ListedPool {
    let listed = this.pools.get(pool.id);
    if (!listed) {
      listed = { joinToken: pool.joinToken, nodes: new Map() };
      this.pools.set(pool.id, listed);
    }
    return listed;
  }

  private writeSoon(poolId: string): Promise<void> {
    let pending = this.pendingWrites.get(poolId);
    if (!pending) {
      pending = new Promise((resolve) =>
        setImmediate(() => {
          this.pendingWrites.delete(poolId);
          this.write(poolId);
          resolve();
        }),
      );
      this.pendingWrites.set(poolId, pending);
    }
    return pending;
  }

  /** Writes the pool's file (temp file + rename: readers never see half a file), or removes it when the pool has no nodes. */
  private write(poolId: string): void {
    const file = path.join(this.directory, `${poolId}.json`);
    const listed = this.pools.get(poolId);
    try {
      if (!listed || listed.nodes.size === 0) {
        this.pools.delete(poolId);
        fs.rmSync(file, { force: true });
        return;
      }
      const content: ExternalPoolFile = {
        serviceUrl: this.options.serviceUrl(),
        poolId,
        joinToken: listed.joinToken,
        nodes: [...listed.nodes].map(([nodeId, isDedicated]) => ({ nodeId, isDedicated })),
      };
      fs.mkdirSync(this.directory, { recursive: true });
      const temporary = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(temporary, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
      fs.renameSync(temporary, file);
    } catch (error) {
      this.options.log(`could not write the node list of pool ${poolId} to ${file}: ${error}`);
    }
  }
}
