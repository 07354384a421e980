/**
 * The agent's WebSocket to its account service. It registers first on every connection, reconnects
 * forever with exponential backoff and jitter when the socket drops (moving on to the next of the
 * service's URLs each time: with several replicas, a dead one is left behind at once), stamps every outgoing message with
 * the protocol version and a unique request id, and drops incoming frames that fail the contract.
 *
 * `taskStarted`/`taskCompleted` go through the outbox: they are re-sent in order, with their original
 * request id, after every registration until the service acks them.
 */
import { randomUUID } from "node:crypto";
import WebSocket from "ws";
import {
  type AgentMessage,
  type OutgoingAgentMessage,
  PROTOCOL_VERSION,
  parseServiceMessage,
  type RegisteredMessage,
  type RegisterMessage,
  type ServiceMessage,
} from "../protocol/agent.js";
import { errorText, type Log } from "./log.js";
import type { Outbox } from "./outbox.js";

/** Error codes with which the service refuses a registration for good: retrying cannot help. */
const REFUSAL_CODES = new Set([
  "AuthenticationFailed",
  "PoolNotFound",
  "PoolBeingDeleted",
  "NodeNotFound",
  "InvalidPropertyValue",
  "MissingRequiredProperty",
]);

const RELIABLE_TYPES = new Set<AgentMessage["type"]>(["taskStarted", "taskCompleted"]);

export interface ConnectionOptions {
  /** The service replicas' agent endpoints; connections go to them in turn, starting at the first. */
  urls: string[];
  outbox: Outbox;
  log: Log;
  /** Builds the `register` message afresh for each connection (running dispatches change). */
  registration: () => Omit<RegisterMessage, "type" | "protocolVersion" | "requestId">;
  onRegistered: (message: RegisteredMessage) => void;
  /** Any other valid message from the service, once registered. */
  onMessage: (message: ServiceMessage) => void;
  onDisconnected: () => void;
  /**
   * The service answered a message (`registered` for the register, `ack` for a heartbeat) that this
   * agent sent at `sentAt` (epoch ms): proof it held the agent's session then (agent/serviceLease.ts).
   */
  onServiceAnswer?: (sentAt: number) => void;
  /** The service refused the registration (bad token, unknown pool or node); the agent should exit. */
  onRefused: (code: string, message: string) => void;
  backoffStartMs?: number;
  backoffCapMs?: number;
  /** Give up on a connection whose `registered` has not arrived after this long, and reconnect. */
  registerTimeoutMs?: number;
  pingIntervalMs?: number;
}

export class ServiceConnection {
  readonly #options: ConnectionOptions;
  #socket: WebSocket | undefined;
  #registered = false;
  #stopped = false;
  #attempt = 0;
  /** Which of `urls` the next connection goes to. */
  #urlIndex = 0;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #drainWaiters: Array<() => void> = [];
  /** Heartbeats not acked yet: request id → when sent. Cleared per connection, so it stays small. */
  #heartbeatsSent = new Map<string, number>();

  constructor(options: ConnectionOptions) {
    this.#options = options;
  }

  get isRegistered(): boolean {
    return this.#registered;
  }

  start(): void {
    this.#connect();
  }

  /**
   * Sends a message. Reliable reports are kept in the outbox and delivered whenever the agent is
   * registered; anything else is dropped (returns `false`) while disconnected, as the service will not
   * be waiting for it on a new connection.
   */
  send(message: OutgoingAgentMessage): boolean {
    const stamped = {
      ...message,
      protocolVersion: PROTOCOL_VERSION,
      requestId: randomUUID(),
    } as AgentMessage;
    if (RELIABLE_TYPES.has(stamped.type)) this.#options.outbox.add(stamped);
    if (!this.#registered) return false;
    if (stamped.type === "heartbeat") {
      this.#heartbeatsSent.set(stamped.requestId, Date.now());
      // A service that never acks heartbeats (an old one) must not make this grow forever.
      if (this.#heartbeatsSent.size > 100)
        this.#heartbeatsSent.delete(this.#heartbeatsSent.keys().next().value!);
    }
    return this.#write(stamped);
  }

  /** Resolves when the outbox is empty or `timeoutMs` passed, whichever comes first. */
  waitForOutboxDrained(timeoutMs: number): Promise<boolean> {
    if (this.#options.outbox.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#drainWaiters = this.#drainWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.#drainWaiters.push(done);
    });
  }

  /** Stops reconnecting and closes the socket. */
  stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#reconnectTimer);
    const socket = this.#socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const force = setTimeout(() => socket.terminate(), 2000);
      socket.once("close", () => {
        clearTimeout(force);
        resolve();
      });
      socket.close(1000, "agent stopping");
    });
  }

  #connect(): void {
    if (this.#stopped) return;
    const { log, urls } = this.#options;
    const url = urls[this.#urlIndex % urls.length]!;
    const socket = new WebSocket(url, { handshakeTimeout: 10_000 });
    this.#socket = socket;
    let registerRequestId = "";
    let registerSentAt = 0;
    const registerTimer = setTimeout(() => {
      log.warn(`connection: no 'registered' within ${this.#registerTimeoutMs} ms; reconnecting`);
      socket.terminate();
    }, this.#registerTimeoutMs);
    // A half-open TCP connection never closes by itself: ping, and drop a socket that stopped answering.
    let answered = true;
    socket.on("pong", () => {
      answered = true;
    });
    const liveness = setInterval(() => {
      if (!answered) {
        log.warn("connection: the service stopped answering pings; reconnecting");
        socket.terminate();
        return;
      }
      answered = false;
      if (socket.readyState === WebSocket.OPEN) socket.ping();
    }, this.#options.pingIntervalMs ?? 15_000);

    socket.on("open", () => {
      const register = {
        ...this.#options.registration(),
        type: "register",
        protocolVersion: PROTOCOL_VERSION,
        requestId: randomUUID(),
      } satisfies RegisterMessage;
      registerRequestId = register.requestId;
      registerSentAt = Date.now();
      this.#write(register);
    });
    socket.on("message", (data, isBinary) => {
      if (isBinary) {
        log.warn("connection: dropping a binary frame; the protocol uses JSON text frames");
        return;
      }
      const text = data.toString();
      const message = parseServiceMessage(text);
      if (!message) {
        log.warn(`connection: dropping a frame that does not match protocol/agent.ts: ${text.slice(0, 200)}`);
        return;
      }
      if (!this.#registered) {
        this.#beforeRegistration(message, registerRequestId, registerTimer, registerSentAt);
        return;
      }
      this.#afterRegistration(message);
    });
    socket.on("error", (error) => {
      // Say it once per outage; every retry after that is noise.
      const text = `connection: ${errorText(error)}`;
      if (this.#attempt === 0) log.warn(`${text}; retrying with backoff`);
      else log.debug(text);
    });
    socket.on("close", (code, reason) => {
      clearTimeout(registerTimer);
      clearInterval(liveness);
      const wasRegistered = this.#registered;
      this.#registered = false;
      this.#heartbeatsSent.clear();
      if (this.#socket === socket) this.#socket = undefined;
      this.#urlIndex = (this.#urlIndex + 1) % urls.length;
      if (wasRegistered) {
        log.warn(
          `connection: ${url} closed (${code} ${reason.toString()}); tasks keep running while reconnecting` +
            (urls.length > 1 ? ` to ${urls[this.#urlIndex]}` : ""),
        );
        this.#options.onDisconnected();
      }
      this.#scheduleReconnect();
    });
  }

  #beforeRegistration(
    message: ServiceMessage,
    registerRequestId: string,
    registerTimer: NodeJS.Timeout,
    registerSentAt: number,
  ): void {
    const { log } = this.#options;
    if (message.type === "error") {
      if (REFUSAL_CODES.has(message.code)) {
        log.error(`connection: the service refused the registration: ${message.code}: ${message.message}`);
        this.#stopped = true;
        this.#options.onRefused(message.code, message.message);
        return;
      }
      log.warn(`connection: registration failed, will retry: ${message.code}: ${message.message}`);
      this.#socket?.close();
      return;
    }
    if (message.type !== "registered") {
      log.warn(`connection: dropping '${message.type}' received before 'registered'`);
      return;
    }
    if (message.replyTo !== registerRequestId) {
      log.warn(
        `connection: 'registered' replies to ${message.replyTo}, not to register ${registerRequestId}`,
      );
    }
    clearTimeout(registerTimer);
    this.#registered = true;
    this.#attempt = 0;
    log.info(`connection: registered as node ${message.nodeId} of pool ${message.poolId}`);
    this.#options.onServiceAnswer?.(registerSentAt);
    this.#options.onRegistered(message);
    // Unacked reports go out in their original order and with their original request ids.
    for (const pending of this.#options.outbox.messages) this.#write(pending);
  }

  #afterRegistration(message: ServiceMessage): void {
    const { log, outbox } = this.#options;
    switch (message.type) {
      case "ack": {
        const heartbeatSentAt = this.#heartbeatsSent.get(message.replyTo);
        if (heartbeatSentAt !== undefined) {
          this.#heartbeatsSent.delete(message.replyTo);
          this.#options.onServiceAnswer?.(heartbeatSentAt);
          return;
        }
        if (outbox.ack(message.replyTo) && outbox.size === 0) {
          for (const waiter of this.#drainWaiters.splice(0)) waiter();
        }
        return;
      }
      case "error":
        log.warn(`connection: the service reported an error: ${message.code}: ${message.message}`);
        return;
      case "registered":
        log.warn("connection: ignoring a second 'registered' on the same connection");
        return;
      default:
        this.#options.onMessage(message);
    }
  }

  #write(message: AgentMessage): boolean {
    const socket = this.#socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(message));
    return true;
  }

  #scheduleReconnect(): void {
    if (this.#stopped) return;
    const start = this.#options.backoffStartMs ?? 200;
    const cap = this.#options.backoffCapMs ?? 5000;
    const ceiling = Math.min(cap, start * 2 ** this.#attempt);
    this.#attempt = Math.min(this.#attempt + 1, 30);
    // "Equal jitter": at least half the backoff, so a crowd of agents neither stampedes nor spins.
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.#options.log.debug(`connection: reconnecting in ${Math.round(delay)} ms`);
    this.#reconnectTimer = setTimeout(() => this.#connect(), delay);
  }

  get #registerTimeoutMs(): number {
    return this.#options.registerTimeoutMs ?? 30_000;
  }
}
