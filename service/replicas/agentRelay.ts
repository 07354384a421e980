/**
 * A follower's agent endpoint: each agent WebSocket it accepts is relayed to the leader's agent
 * endpoint, frame by frame, in order, text as text. The leader sees an ordinary agent session, so the
 * agent protocol keeps its guarantees (acks, order, reconnection with the outbox) unchanged. When
 * either side closes or fails, the relay closes the other, and the agent reconnects (to the next of its
 * service URLs). A frame that arrives from the agent before the leader's side is open waits in order.
 *
 * Backpressure: when the side being written to has too much unsent, the relay stops reading the other
 * side until it drains, so a slow leader or agent slows its peer instead of filling memory.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import WebSocket, { WebSocketServer } from "ws";

/** The agent protocol's largest frame (service/gateway/gateway.ts accepts the same). */
const MAX_PAYLOAD = 64 * 1024 * 1024;
/** Unsent bytes on one side above which the other side is paused. */
const HIGH_WATER_BYTES = 4 * 1024 * 1024;
/** A leader that answers no ping for this long is taken as gone (a half-open connection). */
const UPSTREAM_PING_MS = 15_000;

export class AgentRelay {
  readonly #server = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD });
  readonly #pairs = new Set<{ agent: WebSocket; leader: WebSocket }>();

  constructor(
    private readonly log: (line: string) => void,
    /** The leader's agent endpoint could not be reached: leadership may have moved. */
    private readonly onLeaderUnreachable: () => void,
  ) {}

  /** How many agents are being relayed now. */
  get size(): number {
    return this.#pairs.size;
  }

  relay(request: IncomingMessage, socket: Duplex, head: Buffer, leaderAgentEndpoint: string): void {
    this.#server.handleUpgrade(request, socket, head, (agent) => {
      const leader = new WebSocket(leaderAgentEndpoint, {
        maxPayload: MAX_PAYLOAD,
        perMessageDeflate: false,
      });
      const pair = { agent, leader };
      this.#pairs.add(pair);
      let opened = false;
      const waiting: Array<{ data: WebSocket.RawData; isBinary: boolean }> = [];
      const closeBoth = (code: number, reason: string) => {
        this.#pairs.delete(pair);
        clearInterval(liveness);
        for (const side of [agent, leader]) {
          if (side.readyState === WebSocket.OPEN) side.close(code, reason);
          else if (side.readyState === WebSocket.CONNECTING) side.terminate();
        }
      };
      let answered = true;
      leader.on("pong", () => {
        answered = true;
      });
      const liveness = setInterval(() => {
        if (!answered) {
          leader.terminate();
          return;
        }
        answered = false;
        if (leader.readyState === WebSocket.OPEN) leader.ping();
      }, UPSTREAM_PING_MS);

      agent.on("message", (data, isBinary) => {
        if (!opened) waiting.push({ data, isBinary });
        else pass(data, isBinary, agent, leader);
      });
      leader.on("open", () => {
        opened = true;
        for (const { data, isBinary } of waiting.splice(0)) pass(data, isBinary, agent, leader);
      });
      leader.on("message", (data, isBinary) => pass(data, isBinary, leader, agent));
      leader.on("unexpected-response", (_request, response) => {
        this.log(
          `agent relay: the leader at ${leaderAgentEndpoint} refused the agent (${response.statusCode})`,
        );
        closeBoth(1013, "the leader replica refused the connection; reconnect");
      });
      leader.on("error", (error) => {
        if (!opened) {
          this.log(`agent relay: the leader at ${leaderAgentEndpoint} is unreachable: ${error.message}`);
          this.onLeaderUnreachable();
        }
        closeBoth(1012, "the leader replica went away; reconnect");
      });
      leader.on("close", () => closeBoth(1012, "the leader replica closed the connection; reconnect"));
      agent.on("error", () => closeBoth(1011, "the agent's connection failed"));
      agent.on("close", () => closeBoth(1000, "the agent left"));
    });
  }

  /** Closes every relayed connection; their agents reconnect. */
  closeAll(reason: string): void {
    for (const { agent, leader } of this.#pairs) {
      agent.close(1012, reason);
      leader.terminate();
    }
    this.#pairs.clear();
  }

  close(): void {
    this.closeAll("the replica is stopping");
    this.#server.close();
  }
}

/** Sends one frame on, pausing the sender while the receiver has too much unsent. */
function pass(data: WebSocket.RawData, isBinary: boolean, from: WebSocket, to: WebSocket): void {
  if (to.readyState !== WebSocket.OPEN) return;
  to.send(data, { binary: isBinary }, () => {
    if (to.bufferedAmount < HIGH_WATER_BYTES && from.isPaused) from.resume();
  });
  if (to.bufferedAmount >= HIGH_WATER_BYTES) from.pause();
}
