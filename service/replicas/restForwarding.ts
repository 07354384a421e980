/**
 * A follower's REST API: every request goes on to the leader as it came (method, path and query,
 * headers with the SharedKey signature, body), streamed both ways, and the leader's answer comes back
 * as it is. SharedKey signs the path, query and headers but not the host, so the signature stays
 * valid. While no leader is known, or the leader cannot be reached, the follower answers Azure's
 * `ServerBusy` (503) with `Retry-After`, which Batch clients retry.
 */
import http from "node:http";
import { BatchError } from "../../protocol/errors.js";
import { JSON_CONTENT_TYPE } from "../api/responses.js";

/** Seconds a client is asked to wait while leadership moves (a takeover takes about one). */
const RETRY_AFTER_SECONDS = 1;

/** Headers that describe one hop, not the message: the forwarding connection has its own. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "upgrade", "te", "trailer"]);

export class RestForwarder {
  /** Keeps connections to the leader open between requests. */
  readonly #agent = new http.Agent({ keepAlive: true });

  constructor(
    /** This replica's own endpoint, for the error bodies it writes itself. */
    private readonly ownEndpoint: () => string,
    /** The leader could not be reached: leadership may have moved. */
    private readonly onLeaderUnreachable: () => void,
  ) {}

  forward(request: http.IncomingMessage, response: http.ServerResponse, leaderEndpoint: string): void {
    const leader = new URL(leaderEndpoint);
    const headers = { ...request.headers };
    for (const name of HOP_BY_HOP) delete headers[name];
    const upstream = http.request({
      agent: this.#agent,
      host: leader.hostname,
      port: leader.port,
      method: request.method,
      path: request.url,
      headers,
    });
    upstream.on("response", (answer) => {
      const forwarded = { ...answer.headers };
      for (const name of HOP_BY_HOP) delete forwarded[name];
      response.writeHead(answer.statusCode ?? 502, answer.statusMessage, forwarded);
      answer.pipe(response);
      answer.on("error", () => response.destroy());
    });
    upstream.on("error", (error) => {
      if (response.headersSent) {
        // Half an answer cannot be made whole: the client sees the connection drop and retries.
        response.destroy();
        return;
      }
      this.onLeaderUnreachable();
      this.busy(
        request,
        response,
        `The leader replica at ${leaderEndpoint} could not be reached (${error.message}); leadership is moving to another replica. Retry in ${RETRY_AFTER_SECONDS} s.`,
      );
    });
    // The client went away: so does the forwarded request.
    response.on("close", () => {
      if (!response.writableFinished) upstream.destroy();
    });
    request.pipe(upstream);
  }

  /** Answers `ServerBusy` (503, Retry-After) in Azure's error shape, after reading the request body. */
  busy(request: http.IncomingMessage, response: http.ServerResponse, detail: string): void {
    const requestId = crypto.randomUUID();
    const body = JSON.stringify({
      "odata.metadata": `${this.ownEndpoint()}/$metadata#Microsoft.Azure.Batch.Protocol.Entities.Container.errors/@Element`,
      ...new BatchError("ServerBusy", detail).toBody(requestId),
    });
    request.resume();
    response.writeHead(503, {
      "content-type": JSON_CONTENT_TYPE,
      "content-length": Buffer.byteLength(body),
      "retry-after": String(RETRY_AFTER_SECONDS),
      "request-id": requestId,
    });
    response.end(body);
  }

  close(): void {
    this.#agent.destroy();
  }
}
