/**
 * The agent's configuration: command-line flags, each with an environment variable fallback, checked
 * and compiled into `AgentConfig`. Parsing is pure so it can be tested without starting anything.
 */
import { networkInterfaces } from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { ID_REGEX } from "../protocol/apiVersion.js";

export interface AgentConfig {
  /**
   * The service's agent endpoints, in the order to try them: the agent starts at the first and moves
   * to the next whenever a connection fails or drops (several service replicas, docs/replicas.md).
   */
  serviceUrls: string[];
  poolId: string;
  /** Absent on cloud VMs until the service assigns one (then kept in `<root>/.agent/node.json`). */
  nodeId?: string;
  /** The cloud instance this agent runs on, sent at registration so the service can claim a node for it. */
  machineId?: string;
  joinToken: string;
  /** Absolute path of the node root directory (`AZ_BATCH_NODE_ROOT_DIR`). */
  root: string;
  ipAddress: string;
  debug: boolean;
  /** SIGTERM→SIGKILL grace when the agent ends tasks itself (wall clock, cancel, shutdown). */
  killGraceMs: number;
  /** How often health is sampled in the background. */
  healthSampleIntervalMs: number;
}

/** Thrown for bad or missing arguments; main prints it on one line and exits with status 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export const USAGE = `usage: openbatch-agent --service-url ws://HOST:PORT/openbatch/agent --pool-id POOL --join-token TOKEN --root DIR
                       [--node-id NODE | --machine-id ID] [--ip-address ADDRESS] [--debug]
--service-url may be repeated or comma-separated to name several service replicas: the agent
connects to the first and fails over to the next when a connection fails or drops.
Each flag may come from the environment instead: OPENBATCH_SERVICE_URL, OPENBATCH_POOL_ID,
OPENBATCH_JOIN_TOKEN, OPENBATCH_NODE_ROOT, OPENBATCH_NODE_ID, OPENBATCH_MACHINE_ID, OPENBATCH_IP_ADDRESS.
Without --node-id the service gives the agent a node of the pool: the one --machine-id (the cloud
instance: an Azure scale set VM name <scaleSet>_<instanceId>, an EC2 instance id i-...) had before, else
one waiting for a machine. The node id it gets is kept under --root for the next start.`;

const FLAGS = {
  "service-url": { type: "string", env: "OPENBATCH_SERVICE_URL" },
  "pool-id": { type: "string", env: "OPENBATCH_POOL_ID" },
  "node-id": { type: "string", env: "OPENBATCH_NODE_ID" },
  "machine-id": { type: "string", env: "OPENBATCH_MACHINE_ID" },
  "join-token": { type: "string", env: "OPENBATCH_JOIN_TOKEN" },
  root: { type: "string", env: "OPENBATCH_NODE_ROOT" },
  "ip-address": { type: "string", env: "OPENBATCH_IP_ADDRESS" },
} as const;

/** Cloud instance ids: scale set VM names (`openbatch-p1_3`), EC2 ids (`i-0abc...`). */
const MACHINE_ID = /^[A-Za-z0-9._:/-]{1,256}$/;

/** Returns the config, `"help"` when help was asked for, or throws `UsageError`. */
export function parseAgentConfig(argv: string[], env: NodeJS.ProcessEnv): AgentConfig | "help" {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        ...Object.fromEntries(Object.entries(FLAGS).map(([name, { type }]) => [name, { type }])),
        "service-url": { type: "string", multiple: true },
        debug: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return "help";
  const value = (name: keyof typeof FLAGS): string | undefined => {
    const given = name === "service-url" ? (values[name] as string[] | undefined)?.join(",") : values[name];
    const text = typeof given === "string" ? given : env[FLAGS[name].env];
    return text === undefined || text === "" ? undefined : text;
  };
  const required = (name: keyof typeof FLAGS): string => {
    const text = value(name);
    if (text === undefined) throw new UsageError(`missing --${name} (or ${FLAGS[name].env})`);
    return text;
  };

  const serviceUrls = required("service-url")
    .split(",")
    .map((text) => text.trim())
    .filter((text) => text !== "");
  if (serviceUrls.length === 0) throw new UsageError("--service-url names no URL");
  for (const serviceUrl of serviceUrls) checkServiceUrl(serviceUrl);
  const poolId = required("pool-id");
  if (!ID_REGEX.test(poolId))
    throw new UsageError(`--pool-id '${poolId}' is not a valid id (${ID_REGEX.source})`);
  const nodeId = value("node-id");
  if (nodeId !== undefined && !ID_REGEX.test(nodeId)) {
    throw new UsageError(`--node-id '${nodeId}' is not a valid id (${ID_REGEX.source})`);
  }
  const machineId = value("machine-id");
  if (machineId !== undefined && !MACHINE_ID.test(machineId)) {
    throw new UsageError(
      `--machine-id '${machineId}' is not a cloud instance id (1 to 256 letters, digits and ._:/-)`,
    );
  }
  return {
    serviceUrls,
    poolId,
    nodeId,
    machineId,
    joinToken: required("join-token"),
    root: resolve(required("root")),
    ipAddress: value("ip-address") ?? defaultIpAddress(),
    debug: values.debug === true,
    killGraceMs: 5000,
    healthSampleIntervalMs: 5000,
  };
}

function checkServiceUrl(serviceUrl: string): void {
  let url: URL;
  try {
    url = new URL(serviceUrl);
  } catch {
    throw new UsageError(`--service-url '${serviceUrl}' is not a URL; give ws://HOST:PORT/openbatch/agent`);
  }
  if (url.protocol !== "ws:" && url.protocol !== "wss:") {
    throw new UsageError(`--service-url must be ws:// or wss://, not ${url.protocol}//`);
  }
}

/** The first external IPv4 address, which is what other nodes of the pool can reach. */
function defaultIpAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === "IPv4" && !address.internal) return address.address;
    }
  }
  return "127.0.0.1";
}
