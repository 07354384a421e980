/**
 * Test harness for the node agent: a fake account service (a real `ws` server on loopback speaking
 * protocol/agent.ts) and the real agent process built from agent/ into dist/. Waits are on messages
 * and process events, each with a deadline; nothing sleeps to synchronise.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type WebSocket, WebSocketServer } from "ws";
import {
  AGENT_WS_PATH,
  type AgentMessage,
  type OutgoingServiceMessage,
  PROTOCOL_VERSION,
  parseAgentMessage,
  type RegisteredMessage,
  type RegisterMessage,
} from "../../../protocol/agent.js";

export const REPO = resolve(import.meta.dirname, "../../..");
export const AGENT_MAIN = join(REPO, "dist/agent/main.js");
const DEFAULT_TIMEOUT_MS = 15_000;

/** Compiles agent/ (and the protocol it imports) into dist/ unless it is already newer than the sources. */
export async function buildAgent(): Promise<void> {
  const lock = join(REPO, "dist/.agent-build.lock");
  mkdirSync(join(REPO, "dist"), { recursive: true });
  // Test files run in parallel processes: one builds, the others wait for its lock to go away.
  await waitUntil(
    () => {
      try {
        mkdirSync(lock);
        return true;
      } catch {
        // A lock older than a minute was left by a killed run.
        const held = statSync(lock, { throwIfNoEntry: false });
        if (held && Date.now() - held.mtimeMs > 60_000) rmSync(lock, { recursive: true, force: true });
        return false;
      }
    },
    { timeoutMs: 120_000, what: "the agent build lock" },
  );
  try {
    if (!isBuildFresh()) {
      execFileSync(
        process.execPath,
        [join(REPO, "node_modules/typescript/bin/tsc"), "-p", "agent/tsconfig.json"],
        {
          cwd: REPO,
          stdio: "inherit",
        },
      );
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function isBuildFresh(): boolean {
  if (!existsSync(AGENT_MAIN)) return false;
  const built = statSync(AGENT_MAIN).mtimeMs;
  const sources = [
    ...readdirSync(join(REPO, "agent")).map((f) => join(REPO, "agent", f)),
    join(REPO, "protocol/agent.ts"),
    join(REPO, "protocol/apiVersion.ts"),
  ];
  return sources.every((file) => statSync(file).mtimeMs <= built);
}

/** Polls `condition` until it holds (or returns a value), failing after the deadline. */
export async function waitUntil<T>(
  condition: () => T | undefined | false | Promise<T | undefined | false>,
  { timeoutMs = DEFAULT_TIMEOUT_MS, what = "a condition" } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export type ReceivedMessage<T extends AgentMessage["type"]> = Extract<AgentMessage, { type: T }>;

/** Heartbeat acks name no outbox entry: the agent must ignore them. */
const ACKED_TYPES = new Set<AgentMessage["type"]>(["taskStarted", "taskCompleted", "heartbeat"]);

export interface FakeServiceOptions {
  /** Answer `register` with `registered` (default) or hold the agent unregistered. */
  register?: "accept" | "hold" | { refuse: string };
  /** Ack `taskStarted`/`taskCompleted` and, as the real service does, heartbeats at once (default true). */
  autoAck?: boolean;
  heartbeatIntervalMs?: number;
  /** Sent in `registered`: the agent's service lease, and its lease watchdog, start with it. */
  nodeLostAfterMs?: number;
}

/** The account service's agent gateway, reduced to what the agent tests need. */
export class FakeService {
  readonly received: AgentMessage[] = [];
  readonly url: string;
  options: Required<Omit<FakeServiceOptions, "nodeLostAfterMs">> &
    Pick<FakeServiceOptions, "nodeLostAfterMs">;
  cancelDispatchIds: string[] = [];
  #socket: WebSocket | undefined;
  #waiters = new Set<() => void>();

  private constructor(
    readonly server: WebSocketServer,
    port: number,
    options: FakeServiceOptions,
  ) {
    this.url = `ws://127.0.0.1:${port}${AGENT_WS_PATH}`;
    this.options = { register: "accept", autoAck: true, heartbeatIntervalMs: 200, ...options };
    server.on("connection", (socket) => {
      this.#socket = socket;
      socket.on("message", (data) => this.#receive(socket, data.toString()));
    });
  }

  static async start(options: FakeServiceOptions = {}): Promise<FakeService> {
    const server = new WebSocketServer({ host: "127.0.0.1", port: 0, path: AGENT_WS_PATH });
    await new Promise<void>((r) => server.once("listening", () => r()));
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("expected a TCP address");
    return new FakeService(server, address.port, options);
  }

  get connected(): boolean {
    return this.#socket?.readyState === 1;
  }

  send(message: OutgoingServiceMessage): string {
    const requestId = randomUUID();
    this.#socket!.send(JSON.stringify({ ...message, protocolVersion: PROTOCOL_VERSION, requestId }));
    return requestId;
  }

  sendRaw(text: string): void {
    this.#socket!.send(text);
  }

  /** Answers a held `register` now. */
  acceptRegistration(register: RegisterMessage): void {
    this.options.register = "accept";
    this.#registered(register);
  }

  /** Drops the agent's connection abruptly, as a crashed service or a network failure would. */
  dropConnection(): void {
    this.#socket?.terminate();
  }

  /** The first received message of `type` (after `after` messages) that satisfies `match`. */
  async waitFor<T extends AgentMessage["type"]>(
    type: T,
    match: (message: ReceivedMessage<T>) => boolean = () => true,
    { timeoutMs = DEFAULT_TIMEOUT_MS, after = 0 } = {},
  ): Promise<ReceivedMessage<T>> {
    const find = () =>
      this.received
        .slice(after)
        .find((m): m is ReceivedMessage<T> => m.type === type && match(m as ReceivedMessage<T>));
    const found = find();
    if (found) return found;
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = find();
        if (!hit) return;
        cleanup();
        resolve(hit);
      };
      const timer = setTimeout(() => {
        cleanup();
        const seen = this.received.map((m) => m.type).join(", ");
        reject(new Error(`timed out after ${timeoutMs} ms waiting for '${type}'; received: ${seen}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
    });
  }

  async close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  #receive(socket: WebSocket, text: string): void {
    const message = parseAgentMessage(text);
    if (!message) throw new Error(`the agent sent a frame that does not match the protocol: ${text}`);
    this.received.push(message);
    if (message.type === "register") {
      const mode = this.options.register;
      if (mode === "accept") this.#registered(message);
      else if (typeof mode === "object") {
        socket.send(
          JSON.stringify({
            type: "error",
            protocolVersion: PROTOCOL_VERSION,
            requestId: randomUUID(),
            code: mode.refuse,
            message: "refused by the test",
          }),
        );
        socket.close();
      }
    }
    if (ACKED_TYPES.has(message.type) && this.options.autoAck) {
      this.send({ type: "ack", replyTo: message.requestId });
    }
    for (const waiter of [...this.#waiters]) waiter();
  }

  #registered(register: RegisterMessage): void {
    const reply: Omit<RegisteredMessage, "protocolVersion" | "requestId"> = {
      type: "registered",
      replyTo: register.requestId,
      poolId: register.poolId,
      nodeId: register.nodeId ?? "tvm-assigned-1",
      accountName: "testaccount",
      accountUrl: "http://127.0.0.1:1/",
      isDedicated: true,
      heartbeatIntervalMs: this.options.heartbeatIntervalMs,
      nodeLostAfterMs: this.options.nodeLostAfterMs,
      cancelDispatchIds: this.cancelDispatchIds,
    };
    this.send(reply);
  }
}

export interface AgentProcess {
  child: ChildProcess;
  /** Settles with the exit status (or the signal that killed the agent). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  log: () => string;
}

export interface StartAgentOptions {
  url: string;
  root: string;
  poolId?: string;
  nodeId?: string | null;
  joinToken?: string;
  env?: Record<string, string>;
}

export function startAgent(options: StartAgentOptions): AgentProcess {
  const args = [AGENT_MAIN, "--service-url", options.url, "--pool-id", options.poolId ?? "pool1"];
  args.push("--root", options.root, "--ip-address", "127.0.0.1", "--debug");
  if (options.nodeId !== null) args.push("--node-id", options.nodeId ?? "node1");
  if (options.joinToken !== undefined) args.push("--join-token", options.joinToken);
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? "", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => {
    output += d.toString();
  });
  child.stderr!.on("data", (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once("exit", (code, signal) => r({ code, signal })),
  );
  return { child, exited, log: () => output };
}

/** Stops an agent the polite way (SIGTERM: it kills its tasks), then by force if it hangs. */
export async function stopAgent(agent: AgentProcess): Promise<void> {
  if (agent.child.exitCode !== null || agent.child.signalCode !== null) return;
  agent.child.kill("SIGTERM");
  const timer = setTimeout(() => agent.child.kill("SIGKILL"), 15_000);
  await agent.exited;
  clearTimeout(timer);
}

export function makeNodeRoot(): string {
  return mkdtempSync(join(tmpdir(), "openbatch-agent-test-"));
}

/** Whether `pid` is gone (a zombie counts as gone: it no longer runs). */
export function isProcessGone(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return true;
  }
  const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
  return state === "Z" || state === "X";
}

let dispatchCounter = 0;
/** A fresh dispatch id for a test. */
export function nextDispatchId(): string {
  dispatchCounter += 1;
  return `d${dispatchCounter}-${randomUUID().slice(0, 8)}`;
}
