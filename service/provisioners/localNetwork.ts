/**
 * The `ip` (iproute2) commands behind local virtual networks: a bridge in the host namespace holding
 * the subnet's gateway address, and per node a network namespace whose `eth0` is one end of a veth
 * pair, the other end on the bridge. `ip` runs through execFile (no shell); a failure names the
 * command and what `ip` said.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { type Ipv4Cidr, overlaps, parseIpv4 } from "../../protocol/ipv4Cidr.js";
import type { NetworkIsolationInfo } from "../../protocol/rest/virtualNetwork.js";

const execFileAsync = promisify(execFile);

/** Runs `ip <args>` and returns its stdout. */
export async function ip(...args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync("ip", args, { timeout: 15_000 });
    return stdout;
  } catch (error) {
    const failure = error as { code?: unknown; stderr?: string; message: string };
    const said =
      failure.code === "ENOENT"
        ? "the ip command was not found; install iproute2"
        : failure.stderr?.trim() || failure.message;
    throw new Error(`'ip ${args.join(" ")}' failed: ${said}`);
  }
}

/** Like `ip`, but a device or namespace that does not exist counts as done (for deletions). */
async function ipUnlessGone(...args: string[]): Promise<void> {
  try {
    await ip(...args);
  } catch (error) {
    if (!/Cannot find device|No such file|does not exist|not found/i.test(String(error))) throw error;
  }
}

/**
 * Can this host give nodes namespaces? Needs root and a working `ip netns add` with a veth into the
 * namespace; tried once, with a throw-away namespace.
 */
export async function probeNamespaces(): Promise<NetworkIsolationInfo> {
  if (process.getuid?.() !== 0)
    return {
      isolation: "loopback",
      reason: "the service does not run as root, and network namespaces need root",
    };
  const probe = `obprobe${randomBytes(4).toString("hex")}`;
  try {
    await ip("netns", "add", probe);
    await ip("link", "add", probe, "type", "veth", "peer", "name", "eth0", "netns", probe);
    return { isolation: "namespaces" };
  } catch (error) {
    return { isolation: "loopback", reason: (error as Error).message };
  } finally {
    await ipUnlessGone("link", "del", probe).catch(() => {});
    await ipUnlessGone("netns", "del", probe).catch(() => {});
  }
}

/** Network namespaces on this host, by name. */
export async function listNamespaces(): Promise<string[]> {
  return (await ip("netns", "list"))
    .split("\n")
    .map((line) => line.split(" ")[0]!)
    .filter(Boolean);
}

/** Network interfaces of the host namespace, by name (a veth's `@peer` suffix dropped). */
export async function listLinks(): Promise<string[]> {
  return (await ip("-o", "link", "show"))
    .split("\n")
    .map((line) => /^\d+:\s+([^:@\s]+)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

/**
 * Creates the bridge (or finds it) with `gateway/prefixLength` and up. Refuses when another interface
 * of the host already has an address in the subnet: two networks there would break each other.
 */
export async function ensureBridge(bridge: string, subnet: Ipv4Cidr, gateway: string): Promise<void> {
  for (const line of (await ip("-4", "-o", "addr", "show")).split("\n")) {
    const match = /^\d+:\s+(\S+)\s+inet\s+([0-9.]+)\/(\d+)/.exec(line);
    if (!match || match[1] === bridge) continue;
    const theirs = { network: parseIpv4(match[2]!)!, prefixLength: Number(match[3]) };
    theirs.network -= theirs.network % 2 ** (32 - theirs.prefixLength);
    if (overlaps(subnet, theirs))
      throw new Error(
        `interface ${match[1]} of this host already has ${match[2]}/${match[3]}, inside the network's subnet; choose another addressPrefix`,
      );
  }
  if (!(await listLinks()).includes(bridge)) await ip("link", "add", "name", bridge, "type", "bridge");
  await ip("addr", "replace", `${gateway}/${subnet.prefixLength}`, "dev", bridge);
  await ip("link", "set", bridge, "up");
}

export async function deleteLink(name: string): Promise<void> {
  await ipUnlessGone("link", "del", name);
}

export interface NodeNamespace {
  /** The namespace's name, also the name of the veth end on the bridge (15 characters at most). */
  namespace: string;
  bridge: string;
  address: string;
  prefixLength: number;
}

/** A fresh namespace for a node: `lo` up, `eth0` with its address, the veth's other end on the bridge. */
export async function createNodeNamespace(node: NodeNamespace): Promise<void> {
  await deleteNodeNamespace(node.namespace); // what a failed attempt left behind
  const { namespace } = node;
  await ip("netns", "add", namespace);
  await ip("link", "add", namespace, "type", "veth", "peer", "name", "eth0", "netns", namespace);
  await ip("link", "set", namespace, "master", node.bridge);
  await ip("link", "set", namespace, "up");
  await ip("-n", namespace, "addr", "add", `${node.address}/${node.prefixLength}`, "dev", "eth0");
  await ip("-n", namespace, "link", "set", "eth0", "up");
  await ip("-n", namespace, "link", "set", "lo", "up");
}

/** Is the node's namespace there with its address on `eth0` and its veth on the bridge? */
export async function nodeNamespaceIntact(node: NodeNamespace): Promise<boolean> {
  try {
    const addresses = await ip("-n", node.namespace, "-4", "-o", "addr", "show", "dev", "eth0");
    const hostEnd = await ip("-o", "link", "show", "dev", node.namespace);
    return addresses.includes(` ${node.address}/`) && hostEnd.includes(`master ${node.bridge} `);
  } catch {
    return false;
  }
}

/** Deletes the veth (both ends) and the namespace; what is already gone is fine. */
export async function deleteNodeNamespace(namespace: string): Promise<void> {
  await deleteLink(namespace);
  await ipUnlessGone("netns", "del", namespace);
}
