/**
 * The WebSocket endpoint agents connect to (`/openbatch/agent`, on the REST server's port), and the
 * service's `NodeLink`: which nodes are connected, sending to them, and file requests answered by them.
 */
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import {
  AGENT_WS_PATH,
  type FileRequestMessage,
  type FileResponseMessage,
  type OutgoingServiceMessage,
} from "../../protocol/agent.js";
import { BatchError } from "../../protocol/errors.js";
import type { Account } from "../core/account.js";
import type { NodeLink } from "../core/context.js";
import { nodeKey } from "../core/dispatches.js";
import { AgentSession } from "./agentSession.js";
import { TurnCork } from "./turnCork.js";

const FILE_REQUEST_TIMEOUT_MS = 30_000;
/** A registered agent that sent nothing for this many heartbeat intervals is gone (or cut off). */
export const MISSED_HEARTBEATS = 3;

interface PendingFileRequest {
  resolve: (response: FileResponseMessage) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class AgentGateway implements NodeLink {
  private readonly server = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });
  private readonly sessions = new Map<string, AgentSession>();
  private readonly pendingFiles = new Map<string, PendingFileRequest>();
  /** Shared by the sessions: one flush per turn for all connections written to. */
  readonly cork = new TurnCork();
  private account?: Account;
  private fileRequestCounter = 0;
  private silenceCheck?: NodeJS.Timeout;

  constructor(readonly log: (line: string) => void) {}

  /** Starts accepting agents on the HTTP server's upgrade requests for the agent path. */
  listen(httpServer: Server, account: Account): void {
    this.account = account;
    httpServer.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = (request.url ?? "").split("?")[0];
      if (path !== AGENT_WS_PATH) {
        socket.destroy();
        return;
      }
      this.server.handleUpgrade(request, socket, head, (ws) => new AgentSession(ws, socket, this, account));
    });
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

  private dropSilentSessions(now: number, limitMs: number): void {
    for (const session of this.sessions.values()) {
      const silentMs = now - session.lastHeardAt;
      if (silentMs > limitMs)
        session.drop(`no heartbeat for ${silentMs} ms (${MISSED_HEARTBEATS} intervals missed)`);
    }
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
    const session = this.sessions.get(nodeKey(poolId, nodeId));
    if (!session)
      return Promise.reject(
        new BatchError("NodeNotReady", `Node ${nodeId} of pool ${poolId} is not connected.`),
      );
    // The agent replies with `replyTo` = our requestId; we pick it so we can match the reply.
    const requestId = `f${++this.fileRequestCounter}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingFiles.delete(requestId);
        reject(new BatchError("NodeNotReady", `Node ${nodeId} did not answer a file request within 30 s.`));
      }, FILE_REQUEST_TIMEOUT_MS);
      this.pendingFiles.set(requestId, { resolve, reject, timer });
      session.sendWithId({ type: "fileRequest", ...request }, requestId);
    });
  }

  resolveFileRequest(response: FileResponseMessage): void {
    const pending = this.pendingFiles.get(response.replyTo);
    if (!pending) return;
    this.pendingFiles.delete(response.replyTo);
    clearTimeout(pending.timer);
    pending.resolve(response);
  }

  close(): void {
    // The sessions' close events come after the store has closed: the nodes' states stay as stored
    // (the next start marks them unknown until their agents register again).
    this.account = undefined;
    clearInterval(this.silenceCheck);
    for (const session of this.sessions.values()) session.close();
    for (const pending of this.pendingFiles.values()) {
      clearTimeout(pending.timer);
      pending.reject(new BatchError("ServerBusy", "The service is stopping."));
    }
    this.pendingFiles.clear();
    this.server.close();
  }
}
