/**
 * Loopback TCP ports that are free right now, chosen by the kernel, so two bench runs (or a leftover
 * cluster) on one machine do not collide on fixed port numbers.
 */
import { createServer, type Server } from "node:net";

/** `count` distinct ports: all are held open together until every one is known, then released. */
export async function freeLoopbackPorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, listenOnAnyPort));
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("a TCP server without a port");
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

function listenOnAnyPort(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}
