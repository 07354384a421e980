/**
 * Simulated node agents for the control-plane benchmark: one process holds many WebSocket connections
 * to one service, each registered as one node of an external pool (the file the external provisioner
 * writes). Each heartbeats at the interval `registered` gives, times every heartbeat's ack, and answers
 * a dispatch at once with `taskStarted` then `taskCompleted` (exit code 0), spawning nothing.
 *
 *   node dist/scripts/bench/simulatedAgents.js --pool-file F --from I --count N [--batch 200]
 *
 * Registers nodes [I, I+N) of the file, opening `--batch` connections at a time (a burst of thousands
 * of SYNs overflows the listen backlog). Reports on stdout, one `SimulatedAgentReport` JSON per line;
 * stops on SIGTERM or SIGINT, or when stdin closes.
 */
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import WebSocket from "ws";
import {
  type Health,
  type OutgoingAgentMessage,
  PROTOCOL_VERSION,
  parseServiceMessage,
  type ServiceMessage,
} from "../../protocol/agent.js";
import { preciseNow } from "../../protocol/clock.js";
import type { ExternalNode, ExternalPoolFile } from "../../protocol/externalPool.js";

export type SimulatedAgentReport =
  /** Nodes registered so far (sent after each batch). */
  | { type: "registered"; count: number; failed: number }
  /** Heartbeat round trips (send → ack) since the previous report, and heartbeats never acked. */
  | { type: "heartbeats"; rttMs: number[]; unanswered: number }
  /** Totals so far; times are epoch ms (protocol/clock.ts), comparable across processes. */
  | { type: "tasks"; started: number; completed: number; firstStartedAt?: number; lastCompletedAt?: number }
  | { type: "error"; message: string };

const REPORT_INTERVAL_MS = 500;
const REGISTER_TIMEOUT_MS = 60_000;
/** A heartbeat not acked by then is counted as unanswered and forgotten. */
const UNANSWERED_AFTER_MS = 30_000;

/** What every node of this process shares: the counters behind the reports. */
class Totals {
  rttMs: number[] = [];
  unanswered = 0;
  started = 0;
  completed = 0;
  firstStartedAt?: number;
  lastCompletedAt?: number;
  private reportedTasks = "";
  private requestCounter = 0;

  nextRequestId(): string {
    return `r${++this.requestCounter}`;
  }

  flush(): void {
    if (this.rttMs.length > 0 || this.unanswered > 0) {
      report({ type: "heartbeats", rttMs: this.rttMs, unanswered: this.unanswered });
      this.rttMs = [];
      this.unanswered = 0;
    }
    const tasks: SimulatedAgentReport = {
      type: "tasks",
      started: this.started,
      completed: this.completed,
      firstStartedAt: this.firstStartedAt,
      lastCompletedAt: this.lastCompletedAt,
    };
    const text = JSON.stringify(tasks);
    if (text !== this.reportedTasks) {
      this.reportedTasks = text;
      process.stdout.write(`${text}\n`);
    }
  }
}

class SimulatedNode {
  private socket?: WebSocket;
  private stopped = false;
  private heartbeatTimer?: NodeJS.Timeout;
  /** Heartbeat request id → when it was sent (performance.now()). */
  private readonly heartbeats = new Map<string, number>();
  /** Request ids of reports the service has not acked yet. */
  private readonly unacked = new Set<string>();

  constructor(
    private readonly pool: ExternalPoolFile,
    private readonly node: ExternalNode,
    private readonly totals: Totals,
  ) {}

  /** Resolves `true` once registered, `false` when refused, closed or timed out first. */
  connect(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = new WebSocket(this.pool.serviceUrl, {
        perMessageDeflate: false,
        handshakeTimeout: 30_000,
      });
      this.socket = socket;
      let registered = false;
      const timer = setTimeout(() => {
        report({
          type: "error",
          message: `${this.node.nodeId}: no 'registered' within ${REGISTER_TIMEOUT_MS} ms`,
        });
        socket.terminate();
      }, REGISTER_TIMEOUT_MS);
      socket.on("open", () =>
        this.send({
          type: "register",
          poolId: this.pool.poolId,
          nodeId: this.node.nodeId,
          joinToken: this.pool.joinToken,
          agentVersion: "simulated",
          hostname: `sim-${this.node.nodeId}`,
          ipAddress: "127.0.0.1",
          nodeRootDirectory: `/simulated/${this.node.nodeId}`,
          runningDispatchIds: [],
          unackedDispatchIds: [],
        }),
      );
      socket.on("message", (data) => {
        const message = parseServiceMessage(data.toString());
        if (!message) {
          report({
            type: "error",
            message: `${this.node.nodeId}: a frame that does not match protocol/agent.ts`,
          });
          return;
        }
        if (message.type === "registered" && !registered) {
          registered = true;
          clearTimeout(timer);
          this.startHeartbeats(message.heartbeatIntervalMs);
          resolve(true);
          return;
        }
        this.receive(message);
      });
      socket.on("error", (error) =>
        report({ type: "error", message: `${this.node.nodeId}: ${error.message}` }),
      );
      socket.on("close", () => {
        clearTimeout(timer);
        const unexpected = registered && !this.stopped;
        this.stop();
        if (unexpected) {
          report({ type: "error", message: `${this.node.nodeId}: the service closed the connection` });
        }
        resolve(false);
      });
    });
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.heartbeatTimer);
    clearInterval(this.heartbeatTimer);
    this.heartbeats.clear();
    this.unacked.clear();
    this.socket?.terminate();
  }

  private receive(message: ServiceMessage): void {
    switch (message.type) {
      case "ack": {
        const sentAt = this.heartbeats.get(message.replyTo);
        if (sentAt !== undefined) {
          this.heartbeats.delete(message.replyTo);
          this.totals.rttMs.push(performance.now() - sentAt);
        } else {
          this.unacked.delete(message.replyTo);
        }
        return;
      }
      case "dispatch":
        this.run(message.dispatchId);
        return;
      case "shutdown":
        this.stop();
        return;
      case "error":
        report({ type: "error", message: `${this.node.nodeId}: ${message.code}: ${message.message}` });
        return;
      default:
        return; // terminate (nothing runs long enough to kill), file requests (no files)
    }
  }

  /** The task "runs" for no time at all: started and completed go out together. */
  private run(dispatchId: string): void {
    const at = preciseNow();
    const time = new Date(at).toISOString();
    this.totals.firstStartedAt ??= at;
    this.totals.started++;
    this.unacked.add(this.send({ type: "taskStarted", dispatchId, pid: process.pid, startTime: time }));
    this.unacked.add(
      this.send({ type: "taskCompleted", dispatchId, exitCode: 0, startTime: time, endTime: time }),
    );
    this.totals.completed++;
    this.totals.lastCompletedAt = preciseNow();
  }

  /** The first heartbeat at a random point of the interval, so that thousands of nodes do not beat in step. */
  private startHeartbeats(intervalMs: number): void {
    this.heartbeatTimer = setTimeout(() => {
      this.beat();
      this.heartbeatTimer = setInterval(() => this.beat(), intervalMs);
    }, Math.random() * intervalMs);
  }

  private beat(): void {
    const now = performance.now();
    for (const [id, sentAt] of this.heartbeats) {
      if (now - sentAt < UNANSWERED_AFTER_MS) break; // in send order: the rest are younger
      this.heartbeats.delete(id);
      this.totals.unanswered++;
    }
    const id = this.send({ type: "heartbeat", health: simulatedHealth(), runningDispatchIds: [] });
    this.heartbeats.set(id, performance.now());
  }

  private send(message: OutgoingAgentMessage): string {
    const requestId = this.totals.nextRequestId();
    if (this.socket?.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify({ ...message, protocolVersion: PROTOCOL_VERSION, requestId }));
    }
    return requestId;
  }
}

const GiB = 1024 ** 3;

/** A plausible 2-core VM: what the service stores per node, without sampling anything. */
function simulatedHealth(): Health {
  return {
    cpuPercent: Math.round(Math.random() * 1000) / 10,
    memoryUsedBytes: 2 * GiB,
    memoryTotalBytes: 8 * GiB,
    diskUsedBytes: 20 * GiB,
    diskTotalBytes: 100 * GiB,
  };
}

function report(line: SimulatedAgentReport): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      "pool-file": { type: "string" },
      from: { type: "string" },
      count: { type: "string" },
      batch: { type: "string", default: "200" },
    },
  });
  const poolFile = values["pool-file"];
  const from = Number(values.from);
  const count = Number(values.count);
  const batch = Number(values.batch);
  if (!poolFile || !(from >= 0) || !(count >= 1) || !(batch >= 1)) {
    throw new Error("usage: simulatedAgents --pool-file F --from I --count N [--batch 200]");
  }
  const pool = JSON.parse(readFileSync(poolFile, "utf8")) as ExternalPoolFile;
  const mine = pool.nodes.slice(from, from + count);
  if (mine.length < count)
    throw new Error(`${poolFile} lists ${pool.nodes.length} nodes, fewer than ${from + count}`);

  const totals = new Totals();
  const nodes = mine.map((node) => new SimulatedNode(pool, node, totals));
  const reporter = setInterval(() => totals.flush(), REPORT_INTERVAL_MS);
  const stop = () => {
    clearInterval(reporter);
    for (const node of nodes) node.stop();
    totals.flush();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.stdin.on("end", stop);
  process.stdin.resume();

  let registered = 0;
  let failed = 0;
  for (let i = 0; i < nodes.length; i += batch) {
    const results = await Promise.all(nodes.slice(i, i + batch).map((node) => node.connect()));
    for (const ok of results) {
      if (ok) registered++;
      else failed++;
    }
    report({ type: "registered", count: registered, failed });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((error: unknown) => {
    report({ type: "error", message: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  });
}
