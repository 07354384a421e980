/**
 * One replica of an account service on PostgreSQL (docs/replicas.md). Every replica listens for REST
 * and agents on its own port. One at a time, the holder of the scheduling lease (leaderLease.ts), is
 * the leader: it runs what a single service runs (the Account over the PostgresStore, the scheduler,
 * autoscale, the provisioner) behind that port. The others are followers: they forward each REST
 * request to the leader (restForwarding.ts) and relay each agent's WebSocket to it (agentRelay.ts),
 * and wait for the lease. When the leader dies its session ends, PostgreSQL releases the lock, and a
 * waiting follower takes over: it opens the store (loading the mirror), starts the account, and
 * announces itself (replicaDirectory.ts), so the other followers re-point at once.
 */
import http from "node:http";
import { hostname } from "node:os";
import type { Duplex } from "node:stream";
import { AGENT_WS_PATH } from "../../protocol/agent.js";
import { removeServiceFile, replicaServiceFile, writeServiceFile } from "../../protocol/serviceFile.js";
import { type AccountParts, assembleAccount, closeAccount } from "../accountParts.js";
import type { AccountConfig } from "../core/context.js";
import { assertTransition } from "../core/stateMachine.js";
import { httpEndpoint } from "../endpoint.js";
import type { RunningService, ServiceOptions } from "../main.js";
import { PostgresStore, parsePostgresUrl } from "../store/postgres.js";
import { AgentRelay } from "./agentRelay.js";
import { type HeldLease, LeaderLease } from "./leaderLease.js";
import { ReplicaDirectory, type ReplicaInfo } from "./replicaDirectory.js";
import { type ReplicaRole, replicaRoleTable } from "./replicaRole.js";
import { RestForwarder } from "./restForwarding.js";

export interface ReplicaSetup {
  options: ServiceOptions;
  /** Absolute; shared by the replicas of an account for its files and local nodes. */
  dataDir: string;
  config: AccountConfig;
  log: (line: string) => void;
  /** `postgres://...`, with the account's schema in `?schema=` (default `openbatch`). */
  databaseUrl: string;
}

/** How long an agent connecting while leadership moves is held before it is told to come back. */
const AGENT_HOLD_MS = 10_000;

export async function startReplica(setup: ReplicaSetup): Promise<RunningService> {
  const replica = new Replica(setup);
  try {
    await replica.start();
  } catch (error) {
    await replica.close();
    throw error;
  }
  return {
    endpoint: setup.config.endpoint,
    accountName: setup.options.accountName,
    accountKey: setup.config.accountKey,
    close: () => replica.close(),
  };
}

class Replica {
  readonly #setup: ReplicaSetup;
  readonly #database: ReturnType<typeof parsePostgresUrl>;
  readonly #front: http.Server;
  readonly #forwarder: RestForwarder;
  readonly #relay: AgentRelay;
  readonly #lease: LeaderLease;
  #role: ReplicaRole = "follower";
  #self: ReplicaInfo | undefined;
  #directory: ReplicaDirectory | undefined;
  #parts: AccountParts | undefined;
  /** Called whenever the role or the known leader changes (upgrades held while leadership moves). */
  #settledWaiters = new Set<() => void>();

  constructor(setup: ReplicaSetup) {
    this.#setup = setup;
    this.#database = parsePostgresUrl(setup.databaseUrl);
    this.#front = http.createServer((request, response) => this.#request(request, response));
    this.#front.on("upgrade", (request, socket, head) => void this.#upgrade(request, socket, head));
    const refresh = () => void this.#directory?.refreshLeader().catch(() => {});
    this.#forwarder = new RestForwarder(() => setup.config.endpoint, refresh);
    this.#relay = new AgentRelay(setup.log, refresh);
    this.#lease = new LeaderLease(this.#database.connectionString, this.#database.schema);
  }

  /** Listens, joins the directory, campaigns for the lease; resolves once a leader (maybe this one) serves. */
  async start(): Promise<void> {
    const { options, config, log } = this.#setup;
    await new Promise<void>((resolve, reject) => {
      this.#front.once("error", reject);
      this.#front.listen(options.port, options.host, () => resolve());
    });
    config.endpoint = httpEndpoint(this.#front, options.host, options.port);
    const self: ReplicaInfo = {
      id: `${hostname()}-${process.pid}-${new URL(config.endpoint).port}`,
      restEndpoint: config.endpoint,
      agentEndpoint: `${config.endpoint.replace(/^http/, "ws")}${AGENT_WS_PATH}`,
    };
    this.#self = self;
    try {
      this.#directory = await ReplicaDirectory.open({
        connectionString: this.#database.connectionString,
        schema: this.#database.schema,
        self,
        onLost: (error) => this.#fatal(`its directory session to PostgreSQL failed (${error.message})`),
      });
    } catch (error) {
      throw new Error(
        `Could not join the replicas of ${this.#database.display}: ${(error as Error).message}. ` +
          "Check that PostgreSQL runs and that the URL's host, port, user, password and database are right.",
      );
    }
    this.#directory.onLeaderChanged((leader) => {
      if (this.#role === "follower") {
        log(
          `replica ${self.id}: the leader is ${leader ? `${leader.id} at ${leader.restEndpoint}` : "unknown"}`,
        );
        // Agents relayed to a former leader reconnect, through whichever replica, to the new one.
        this.#relay.closeAll("the leader replica changed; reconnect");
      }
      this.#settled();
    });
    void this.#campaign();
    await this.#whenServing();
    writeServiceFile(
      this.#setup.dataDir,
      {
        pid: process.pid,
        endpoint: config.endpoint,
        accountName: options.accountName,
        startedAt: new Date().toISOString(),
      },
      replicaServiceFile(new URL(config.endpoint).port),
    );
  }

  async close(): Promise<void> {
    if (this.#role === "stopped") return;
    const wasLeader = this.#role === "leader" || this.#role === "takingOver";
    this.#setRole("stopped");
    await this.#lease.cancel();
    if (wasLeader && this.#parts) await closeAccount(this.#parts);
    this.#parts = undefined;
    await this.#directory?.close();
    this.#relay.close();
    this.#forwarder.close();
    this.#front.closeAllConnections();
    await new Promise<void>((resolve) => this.#front.close(() => resolve()));
    if (this.#setup.config.endpoint)
      removeServiceFile(
        this.#setup.dataDir,
        process.pid,
        replicaServiceFile(new URL(this.#setup.config.endpoint).port),
      );
  }

  /** Waits for the lease for as long as this replica runs, then takes over. */
  async #campaign(): Promise<void> {
    let held: HeldLease;
    try {
      held = await this.#lease.acquire();
    } catch (error) {
      if (this.#role !== "stopped")
        this.#fatal(`its lease session to PostgreSQL failed (${(error as Error).message})`);
      return;
    }
    if (this.#role === "stopped") {
      await held.client.end().catch(() => {});
      return;
    }
    try {
      await this.#takeOver(held);
    } catch (error) {
      this.#fatal(`it could not take over as leader: ${(error as Error).stack ?? error}`);
    }
  }

  async #takeOver(held: HeldLease): Promise<void> {
    const { options, dataDir, config, log } = this.#setup;
    const self = this.#self!;
    const began = Date.now();
    this.#setRole("takingOver");
    log(`replica ${self.id}: holds the scheduling lease; taking over`);
    this.#relay.closeAll("this replica is taking over as leader; reconnect");
    const store = await PostgresStore.open(held.client, {
      schema: this.#database.schema,
      onFatal: (error) => this.#fatal(`its store failed: ${error.message}`),
    });
    this.#parts = await assembleAccount({
      options,
      dataDir,
      config,
      store,
      log,
      acceptConnection: (socket) => this.#front.emit("connection", socket),
      otherAgentUrls: () =>
        (this.#directory?.liveReplicas ?? []).filter((r) => r.id !== self.id).map((r) => r.agentEndpoint),
    });
    // Stopped while the parts were being assembled: close() found none to close.
    if (this.#role === "stopped") return closeAccount(this.#parts);
    await this.#parts.api.ready();
    this.#parts.gateway.attach(this.#parts.account);
    this.#parts.account.start();
    this.#setRole("leader");
    await this.#directory!.announceLeadership(held.backendPid);
    log(`replica ${self.id}: leader from now on (took over in ${Date.now() - began} ms)`);
  }

  #request(request: http.IncomingMessage, response: http.ServerResponse): void {
    const path = (request.url ?? "").split("?")[0];
    const leader = this.#directory?.leader;
    if (request.method === "GET" && path === "/openbatch/health") this.#health(response);
    else if (this.#role === "leader") this.#parts!.api.routing(request, response);
    else if (this.#role === "follower" && leader && leader.id !== this.#self?.id)
      this.#forwarder.forward(request, response, leader.restEndpoint);
    else
      this.#forwarder.busy(
        request,
        response,
        this.#role === "takingOver"
          ? "This replica is taking over as the account's leader. Retry in a moment."
          : "No replica of this account holds the scheduling lease at the moment (the leader is changing). Retry in a moment.",
      );
  }

  /** Every replica answers for itself: up, its role, and which replica leads. */
  #health(response: http.ServerResponse): void {
    const leader = this.#role === "leader" ? this.#self : this.#directory?.leader;
    const body = JSON.stringify({
      status: "ok",
      accountName: this.#setup.options.accountName,
      replica: {
        id: this.#self?.id,
        role: this.#role,
        leader: leader?.restEndpoint ?? null,
        relayedAgents: this.#relay.size,
      },
    });
    response.writeHead(200, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
    });
    response.end(body);
  }

  async #upgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if ((request.url ?? "").split("?")[0] !== AGENT_WS_PATH) {
      socket.destroy();
      return;
    }
    // While leadership moves the agent waits here rather than in its reconnect backoff.
    const deadline = Date.now() + AGENT_HOLD_MS;
    for (;;) {
      if (socket.destroyed || this.#role === "stopped") return void socket.destroy();
      const leader = this.#directory?.leader;
      if (this.#role === "leader") return this.#parts!.gateway.acceptAgent(request, socket, head);
      if (this.#role === "follower" && leader && leader.id !== this.#self?.id)
        return this.#relay.relay(request, socket, head, leader.agentEndpoint);
      if (Date.now() >= deadline) return void socket.destroy();
      await this.#nextChange(deadline - Date.now());
    }
  }

  /** Resolves once this replica leads, or follows a known leader. */
  async #whenServing(): Promise<void> {
    for (;;) {
      if (this.#role === "stopped") throw new Error("the replica stopped before a leader was known");
      if (this.#role === "leader" || (this.#role === "follower" && this.#directory?.leader)) return;
      await this.#nextChange(Number.POSITIVE_INFINITY);
    }
  }

  #nextChange(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#settledWaiters.delete(done);
        resolve();
      };
      const timer = Number.isFinite(timeoutMs) ? setTimeout(done, timeoutMs) : undefined;
      this.#settledWaiters.add(done);
    });
  }

  #settled(): void {
    for (const waiter of [...this.#settledWaiters]) waiter();
  }

  #setRole(role: ReplicaRole): void {
    assertTransition("replica role", replicaRoleTable, this.#role, role);
    this.#role = role;
    this.#settled();
  }

  /**
   * A replica that lost its database session cannot lead (its lease went with the session) nor follow
   * leadership changes: it exits, and a supervisor or the operator starts it again as a follower.
   */
  #fatal(reason: string): void {
    if (this.#role === "stopped") return;
    this.#setup.log(`replica ${this.#self?.id ?? "(starting)"}: stopping because ${reason}`);
    process.exit(1);
  }
}
