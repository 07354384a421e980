/**
 * The file the external provisioner (`--provisioner external`) keeps for each pool, at
 * `<dataDir>/external/<poolId>.json`: what whoever starts the agents needs to start one per node.
 * It is rewritten atomically (temp file + rename) whenever the pool's nodes change, and removed when
 * the pool has none. It holds the pool's join token: the service writes it with mode 0600.
 */
export interface ExternalPoolFile {
  /** The agent gateway, e.g. `ws://127.0.0.1:8765/openbatch/agent` (the agent's `--service-url`). */
  serviceUrl: string;
  poolId: string;
  /** Give it to the agent as OPENBATCH_JOIN_TOKEN (the environment keeps it out of `ps`). */
  joinToken: string;
  /** One agent per entry, started with `--node-id <nodeId>`. */
  nodes: ExternalNode[];
}

export interface ExternalNode {
  nodeId: string;
  isDedicated: boolean;
}
