/**
 * What the virtual network tests look at on the host: the namespaces and links a service with a given
 * data directory owns (by their name prefixes), the host's IPv4 addresses, and small TCP programs that
 * tasks run (written to files, so that command lines need no quoting).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ownedNamePrefixes } from "../../service/provisioners/namespaceNetworks.js";

function ip(...args: string[]): string {
  return execFileSync("ip", args, { encoding: "utf8" });
}

/** Network namespaces whose names say the service of `dataDir` made them. */
export function ownedNamespaces(dataDir: string): string[] {
  const { namespace } = ownedNamePrefixes(dataDir);
  return ip("netns", "list")
    .split("\n")
    .map((line) => line.split(" ")[0]!)
    .filter((name) => name.startsWith(namespace));
}

/** Host interfaces (veth ends, bridges) whose names say the service of `dataDir` made them. */
export function ownedLinks(dataDir: string): string[] {
  const { namespace, bridge } = ownedNamePrefixes(dataDir);
  return ip("-o", "link", "show")
    .split("\n")
    .map((line) => /^\d+:\s+([^:@\s]+)/.exec(line)?.[1] ?? "")
    .filter((name) => name.startsWith(namespace) || name.startsWith(bridge));
}

/** After a suite: the namespaces and links its service made and left (nodes outlive their service, as VMs would). */
export function deleteOwnedNetworking(dataDir: string): void {
  // Deleting a veth's host end deletes its peer at once; a namespace's devices go only later.
  for (const link of ownedLinks(dataDir)) ip("link", "del", link);
  for (const namespace of ownedNamespaces(dataDir)) ip("netns", "del", namespace);
}

/** The host namespace's IPv4 addresses, as `address/prefix`. */
export function hostAddresses(): string[] {
  return [...ip("-4", "-o", "addr", "show").matchAll(/inet ([0-9./]+)/g)].map((m) => m[1]!);
}

/**
 * Writes two programs to `dir`: a server that listens on `<its eth0 address>:<port>`, answers the first
 * connection with "pong from <its address> to <peer>" and exits; and a client that connects to
 * `<address>:<port>` (retrying while refused: the server may still be starting) and prints the answer
 * and the address it connected from.
 */
export function writeTcpPrograms(dir: string): { server: string; client: string } {
  const server = path.join(dir, "tcp-server.mjs");
  const client = path.join(dir, "tcp-client.mjs");
  fs.writeFileSync(
    server,
    `import net from "node:net";
import os from "node:os";
const address = os.networkInterfaces().eth0.find((a) => a.family === "IPv4").address;
const server = net.createServer((socket) => {
  socket.end(\`pong from \${address} to \${socket.remoteAddress}\\n\`);
  server.close();
});
server.listen(Number(process.argv[2]), address, () => console.log(\`listening on \${address}\`));
`,
  );
  fs.writeFileSync(
    client,
    `import net from "node:net";
const [host, port] = [process.argv[2], Number(process.argv[3])];
const deadline = Date.now() + 20_000;
function attempt() {
  const socket = net.connect(port, host);
  let answer = "";
  socket.on("data", (data) => { answer += data; });
  socket.on("end", () => console.log(\`\${answer.trim()} (from \${socket.localAddress})\`));
  socket.on("error", (error) => {
    if (error.code !== "ECONNREFUSED" || Date.now() > deadline) throw error;
    setTimeout(attempt, 100);
  });
}
attempt();
`,
  );
  return { server, client };
}
