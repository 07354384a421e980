/**
 * Replicas of one account for a test file (docs/replicas.md): a throwaway PostgreSQL cluster, a shared
 * data directory and key, and `openbatch service start --store` processes started on demand; all
 * stopped, and everything the data directory started killed, after the file's tests.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { type PostgresCluster, startPostgresCluster } from "../postgresCluster.js";
import { killEverything, makeDataDir, type ServiceProcess, startService, stopService } from "./harness.js";

export interface ReplicaSuite {
  readonly dataDir: string;
  readonly accountKey: string;
  /** The database URL the replicas share. */
  readonly storeUrl: string;
  /** Starts a replica on `port` (0: a free one), resolving once a leader serves (maybe this one). */
  start(port?: number): Promise<ServiceProcess>;
}

export function replicasForSuite(name: string): ReplicaSuite {
  const dataDir = makeDataDir(name);
  const accountKey = randomBytes(32).toString("base64");
  const services: ServiceProcess[] = [];
  let cluster: PostgresCluster | undefined;
  beforeAll(async () => {
    cluster = await startPostgresCluster();
  });
  afterAll(async () => {
    for (const service of services) await stopService(service);
    killEverything(dataDir);
    cluster?.stop();
  });
  const storeUrl = () => {
    if (!cluster) throw new Error("the suite's PostgreSQL cluster has not started");
    return cluster.url;
  };
  return {
    dataDir,
    accountKey,
    get storeUrl() {
      return storeUrl();
    },
    async start(port = 0) {
      const service = await startService(dataDir, port, accountKey, ["--store", storeUrl()]);
      services.push(service);
      return service;
    },
  };
}

/** What a replica says about itself at `GET /openbatch/health` (service/replicas/replica.ts). */
export interface ReplicaHealth {
  id: string;
  role: "follower" | "takingOver" | "leader" | "stopped";
  /** The leader's REST endpoint, null while none is known. */
  leader: string | null;
  /** Agents this replica relays to the leader. */
  relayedAgents: number;
}

export async function replicaHealth(endpoint: string): Promise<ReplicaHealth> {
  const response = await fetch(`${endpoint}/openbatch/health`);
  const body = (await response.json()) as { replica?: ReplicaHealth };
  if (!body.replica) throw new Error(`${endpoint} is not a replica: ${JSON.stringify(body)}`);
  return body.replica;
}
