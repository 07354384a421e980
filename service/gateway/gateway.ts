/**
 * The WebSocket endpoint agents connect to (`/openbatch/agent`, on the REST server's port), and the
 * service's `NodeLink`: which nodes are connected, sending to them, and requests answered by them (file
 * requests, log uploads).
 */
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import {
  AGENT_WS_PATH,
  type FileRequestMessage,
  type FileResponseMessage,
  type LogsUploadedMessage,
  type OutgoingServiceMessage,
  type UploadLogsMessage,
} from "../../protocol/agent.js";
import { BatchError } from "../../protocol/errors.js";
import type { Account } from "../core/account.js";
import type { NodeLink } from "../core/context.js";
import { nodeKey } from "../core/dispatches.js";
import { AgentSession } from "./agentSession.js";
import { TurnCork } from "./turnCork.js";

const FILE_REQUEST_TIMEOUT_MS = 30_000;
/** Log files can be large and the container far away. */
const LOG_UPLOAD_TIMEOUT_MS = 5 * 60_000;
/** A registered agent that sent nothing for this many heartbeat intervals is gone (or cut off). */
export const MISSED_HEARTBEATS = 3;

interface PendingRequest {
  resolve: (response: FileResponseMessage | LogsUploadedMessage) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class AgentGateway implements NodeLink {
  private readonly server = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });
  private readonly sessions = new Map<string, AgentSession>();
  private readonly pending = new Map<string, PendingRequest>();
  /** Shared by the sessions: one flush per turn for all connections written to. */
  readonly cork = new TurnCork(() => this.account?.store.committed());
  private account?: Account;
  private requestCounter = 0;
  private silenceCheck?: NodeJS.Timeout;

  constructor(readonly log: (line: string) => void) {}

  /** Starts accepting agents on the HTTP server's upgrade requests for the agent path. */
  listen(httpServer: Server, account: Account): void {
    this.attach(account);
    httpServer.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = (request.url ?? "").split("?")[0];
      if (path !== AGENT_WS_PATH) {
        socket.destroy();
        return;
      }
      this.acceptAgent(request, socket, head);
    });
  }

  private dropSilentSessions(now: number, limitMs: number): void {
    for (const session of this.sessions.values()) {
      const silentMs = now - session.lastHeardAt;
      if (silentMs > limitMs)
        session.drop(`no heartbeat for ${silentMs} ms (${MISSED_HEARTBEATS} intervals missed)`);
    }
  }

  /** Serves `account`'s agents; upgrades come through `acceptAgent` (a replica's own HTTP server routes them). */
  attach(account: Account): void {
    this.account = account;
    clearInterval(this.silenceCheck);
    const interval = account.config.heartbeatIntervalMs;
    let lastCheck = Date.now();
    this.silenceCheck = setInterval(() => {
      const now = Date.now();
      // A check that comes late means this process was blocked: the frames that arrived meanwhile
      // have not been read yet, so silence cannot be told from a busy service this time.
      const blocked = now - lastCheck > 2 * interval;
      lastCheck = now;
      if (!blocked) this.dropSilentSessions(now, MISSED_HEARTBEATS * interval);
    }, interval);
    this.silenceCheck.unref();
  }

  /** Takes an upgrade request for the agent path as a new agent session. */
  acceptAgent(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const account = this.account;
    if (!account) {
      socket.destroy();
      return;
    }
    this.server.handleUpgrade(request, socket, head, (ws) => new AgentSession(ws, socket, this, account));
  }

  bind(session: AgentSession): void {
    const key = nodeKey(session.poolId!, session.nodeId!);
    const previous = this.sessions.get(key);
    this.sessions.set(key, session);
    previous?.close();
  }

  unbind(session: AgentSession): void {
    if (!session.poolId || !session.nodeId) return;
    const key = nodeKey(session.poolId, session.nodeId);
    if (this.sessions.get(key) !== session) return; // replaced by a newer connection
    this.sessions.delete(key);
    this.account?.agents.disconnected(session.poolId, session.nodeId);
    this.account?.remoteShells.nodeGone(session.poolId, session.nodeId);
  }

  isConnected(poolId: string, nodeId: string): boolean {
    return this.sessions.has(nodeKey(poolId, nodeId));
  }

  send(poolId: string, nodeId: string, message: OutgoingServiceMessage): boolean {
    return this.sessions.get(nodeKey(poolId, nodeId))?.send(message) ?? false;
  }

  requestFile(
    poolId: string,
    nodeId: string,
    request: Omit<FileRequestMessage, "type" | "protocolVersion" | "requestId">,
  ): Promise<FileResponseMessage> {
    return this.request(
      poolId,
      nodeId,
      { type: "fileRequest", ...request },
      FILE_REQUEST_TIMEOUT_MS,
      "a file request",
    );
  }

  uploadLogs(
    poolId: string,
    nodeId: string,
    request: Omit<UploadLogsMessage, "type" | "protocolVersion" | "requestId">,
  ): Promise<LogsUploadedMessage> {
    return this.request(
      poolId,
      nodeId,
      { type: "uploadLogs", ...request },
      LOG_UPLOAD_TIMEOUT_MS,
      "a log upload",
    );
  }

  /** Sends a request the agent answers with `replyTo` = its request id, which we pick to match the reply. */
  private request<T extends { replyTo: string }>(
    poolId: string,
    nodeId: string,
    message: OutgoingServiceMessage,
    timeoutMs: number,
    what: string,
  ): Promise<T> {
    const session = this.sessions.get(nodeKey(poolId, nodeId));
    if (!session)
      return Promise.reject(
        new BatchError("NodeNotReady", `Node ${nodeId} of pool ${poolId} is not connected.`),
      );
    const requestId = `f${++this.requestCounter}`;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(
          new BatchError(
            "NodeNotReady",
            `Node ${nodeId} did not answer ${what} within ${timeoutMs / 1000} s.`,
          ),
        );
      }, timeoutMs);
      this.pending.set(requestId, { resolve: resolve as PendingRequest["resolve"], reject, timer });
      session.sendWithId(message, requestId);
    });
  }

  /** An agent answered a request (a file request, a log upload). */
  resolveReply(response: FileResponseMessage | LogsUploadedMessage): void {
    const pending = this.pending.get(response.replyTo);
    if (!pending) return;
    this.pending.delete(response.replyTo);
    clearTimeout(pending.timer);
    pending.resolve(response);
  }

  close(): void {
    // The sessions' close events come after the store has closed: the nodes' states stay as stored
    // (the next start marks them unknown until their agents register again).
    this.account = undefined;
    clearInterval(this.silenceCheck);
    for (const session of this.sessions.values()) session.close();
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new BatchError("ServerBusy", "The service is stopping."));
    }
    this.pending.clear();
    this.server.close();
  }
}
