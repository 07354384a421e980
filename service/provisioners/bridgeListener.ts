/**
 * The service on a bridge's gateway address: nodes inside network namespaces cannot reach the host's
 * 127.0.0.1, so the service also listens on `<gateway>:<its port>` and hands every connection made
 * there to its own HTTP server (the same routes, authentication and agent WebSocket; no proxy hop).
 * Only the gateway address is bound, never a wildcard: nothing beyond loopback and the bridges listens.
 */
import net from "node:net";

export class BridgeListener {
  private server: net.Server | undefined;

  constructor(readonly accept: (socket: net.Socket) => void) {}

  listen(address: string, port: number): Promise<void> {
    const server = net.createServer((socket) => this.accept(socket));
    return new Promise((resolve, reject) => {
      server.once("error", (error) =>
        reject(
          new Error(`could not listen on ${address}:${port} for the nodes of the bridge: ${error.message}`),
        ),
      );
      server.listen({ host: address, port }, () => {
        this.server = server;
        resolve();
      });
    });
  }

  /**
   * Stops accepting at once. Connections already handed over belong to the HTTP server, which ends
   * them when it closes (waiting for them here would wait for every agent to disconnect).
   */
  close(): void {
    this.server?.close();
    this.server = undefined;
  }
}
