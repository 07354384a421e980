/** The base URL clients and agents use for a listening HTTP server. */
import type { Server } from "node:http";

/** `http://host:port` of `server`; a wildcard host (0.0.0.0, ::) is reached on 127.0.0.1 from this machine. */
export function httpEndpoint(server: Server, host: string, requestedPort: number): string {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : requestedPort;
  const reachable = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  return `http://${reachable.includes(":") ? `[${reachable}]` : reachable}:${port}`;
}
