/**
 * One agent's WebSocket connection. The first frame must be `register`; after it, frames are routed
 * to the account. Reports that need durability (`taskStarted`, `taskCompleted`) are acknowledged only
 * after the store has committed them, so the agent never drops a report the service could lose. A
 * heartbeat writes nothing durable and is acked at once, which gives agents a round-trip time.
 */
import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import {
  type AgentMessage,
  type OutgoingServiceMessage,
  PROTOCOL_VERSION,
  parseAgentMessage,
} from "../../protocol/agent.js";
import { isBatchError } from "../../protocol/errors.js";
import type { Account } from "../core/account.js";
import type { AgentGateway } from "./gateway.js";
import type { FrameTarget } from "./turnCork.js";

const REGISTER_DEADLINE_MS = 10_000;

export class AgentSession implements FrameTarget {
  poolId?: string;
  nodeId?: string;
  /** When the last frame came (epoch ms): a session silent for too long is closed (gateway.ts). */
  lastHeardAt = Date.now();
  private outgoing = 0;
  private readonly registerTimer: NodeJS.Timeout;

  constructor(
    private readonly socket: WebSocket,
    /** The TCP connection under `socket`, corked around each turn's frames. */
    private readonly connection: Duplex,
    private readonly gateway: AgentGateway,
    private readonly account: Account,
  ) {
    this.registerTimer = setTimeout(
      () => this.refuse("InvalidRequestBody", "No register message within 10 s."),
      REGISTER_DEADLINE_MS,
    );
    socket.on("message", (data, isBinary) => {
      this.lastHeardAt = Date.now();
      if (isBinary) return;
      const message = parseAgentMessage(data.toString());
      if (!message) {
        this.gateway.log(`dropped an invalid frame from ${this.describe()}`);
        return;
      }
      this.receive(message);
    });
    socket.on("close", () => {
      clearTimeout(this.registerTimer);
      this.gateway.unbind(this);
    });
    socket.on("error", () => socket.terminate());
  }

  send(message: OutgoingServiceMessage): boolean {
    return this.sendWithId(message, `s${++this.outgoing}`);
  }

  /** Sends with a request id chosen by the caller (file requests are matched by it). */
  sendWithId(message: OutgoingServiceMessage, requestId: string): boolean {
    if (this.socket.readyState !== this.socket.OPEN) return false;
    this.gateway.cork.send(this, frame(message, requestId));
    return true;
  }

  /** A turn's frames, in one write: the connection is corked around them. */
  writeFrames(frames: string[]): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.connection.cork();
    for (const frame of frames) this.socket.send(frame);
    this.connection.uncork();
  }

  close(): void {
    this.socket.close(1001, "service stopping");
  }

  /**
   * Drops a connection that stopped talking (a stopped agent, a half-open TCP connection): no close
   * handshake, which could wait as long again. Its node becomes `unknown` as for any other disconnect.
   */
  drop(reason: string): void {
    this.gateway.log(`closing the connection of ${this.describe()}: ${reason}`);
    this.socket.terminate();
  }

  private receive(message: AgentMessage): void {
    try {
      if (message.type === "register") {
        this.register(message);
        return;
      }
      if (!this.poolId || !this.nodeId) return;
      switch (message.type) {
        case "heartbeat":
          this.account.agents.heartbeat(this.poolId, this.nodeId, message);
          this.send({ type: "ack", replyTo: message.requestId });
          return;
        case "taskStarted":
          this.account.agents.taskStarted(message);
          this.ackWhenDurable(message.requestId);
          return;
        case "taskCompleted":
          this.account.agents.taskCompleted(message);
          this.ackWhenDurable(message.requestId);
          return;
        case "nodePrepared":
          this.account.agents.nodePrepared(this.poolId, this.nodeId, message.errors);
          return;
        case "fileResponse":
        case "logsUploaded":
          this.gateway.resolveReply(message);
          return;
        case "certificatesInstalled":
          this.account.agents.certificatesInstalled(this.poolId, this.nodeId, message);
          return;
        case "coordinationCompleted":
          this.account.multiInstance.coordinated(message.dispatchId);
          return;
        case "remoteShellOpen":
          this.account.remoteShells.open(this.poolId, this.nodeId, message);
          return;
        case "remoteShellOutput":
          this.account.remoteShells.output(this.poolId, this.nodeId, message);
          return;
        case "remoteShellExit":
          this.account.remoteShells.exit(this.poolId, this.nodeId, message.sessionId, message.exitCode);
          return;
        case "remoteShellClose":
          this.account.remoteShells.close(this.poolId, this.nodeId, message.sessionId);
          return;
      }
    } catch (error) {
      this.gateway.log(
        `error handling ${message.type} from ${this.describe()}: ${(error as Error).stack ?? error}`,
      );
    }
  }

  private register(message: Extract<AgentMessage, { type: "register" }>): void {
    if (this.poolId) return;
    try {
      const { pool, node, reply } = this.account.agents.register(message);
      clearTimeout(this.registerTimer);
      this.poolId = pool.id;
      this.nodeId = node.id;
      this.gateway.bind(this);
      void this.account.store.flush().then(() => {
        this.send(reply);
        // With certificates to install, the node comes online on the agent's certificatesInstalled.
        if (!reply.certificates) this.account.agents.online(pool.id, node.id);
      });
    } catch (error) {
      if (!isBatchError(error)) throw error;
      this.refuse(error.code, error.message);
    }
  }

  private ackWhenDurable(requestId: string): void {
    this.account.store.flush().then(
      () => this.send({ type: "ack", replyTo: requestId }),
      (error) => this.gateway.log(`could not commit a report from ${this.describe()}: ${error}`),
    );
  }

  private refuse(code: string, message: string): void {
    clearTimeout(this.registerTimer);
    // At once, ahead of the close frame (a frame held for the turn's end would find the socket closing);
    // a refusal promises nothing the store must hold first.
    this.writeFrames([frame({ type: "error", code, message }, `s${++this.outgoing}`)]);
    this.socket.close(1008, code);
  }

  private describe(): string {
    return this.nodeId ? `node ${this.poolId}/${this.nodeId}` : "an unregistered agent";
  }
}

function frame(message: OutgoingServiceMessage, requestId: string): string {
  return JSON.stringify({ ...message, protocolVersion: PROTOCOL_VERSION, requestId });
}
