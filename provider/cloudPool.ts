/**
 * What the Azure and AWS components share about a pool's machines: names, tags, and the boot
 * script as a secret (the join token is in it).
 */
import * as pulumi from "@pulumi/pulumi";
import { ID_REGEX } from "../protocol/apiVersion.js";
import { type Cloud, renderNodeBootstrap } from "./bootstrap.js";

/** The service scales the group named `<prefix><poolId>`; this is the prefix it uses by default. */
export const DEFAULT_GROUP_PREFIX = "openbatch-";
/** The port `openbatch service start` listens on in the cloud components. */
export const DEFAULT_SERVICE_PORT = 8765;

/** One pool's machines, as the cloud components take it. */
export interface CloudPoolArgs {
  /** The OpenBatch pool id (`^[A-Za-z0-9_-]{1,64}$`); the scale set / group is `<prefix><poolId>`. */
  poolId: string;
  /** VM size (Azure, e.g. `Standard_D2s_v5`) or instance type (AWS, e.g. `c7i.large`). */
  vmSize: string;
  /** The pool's join token; keep it a secret (it only reaches the machines in secret boot data). */
  joinToken: pulumi.Input<string>;
  /** Opens all ports between the pool's own machines (MPI); otherwise they cannot reach each other. */
  enableInterNodeCommunication?: boolean;
  /** Machines created with the group; after that the account service owns the capacity. Default 0. */
  initialCapacity?: number;
}

/** Tags on every resource of an account, plus the pool's on a pool's resources. */
export function openbatchTags(
  tags: pulumi.Input<Record<string, pulumi.Input<string>>> | undefined,
  accountName: string,
  poolId?: string,
): pulumi.Output<Record<string, string>> {
  return pulumi.output(tags ?? {}).apply((given): Record<string, string> => {
    const own: Record<string, string> = { "openbatch:account": accountName };
    if (poolId !== undefined) own["openbatch:pool"] = poolId;
    return { ...given, ...own };
  });
}

/**
 * The node boot script, base64-encoded as both clouds take it, and always a secret: the join token
 * is in it, so it must never be stored or shown in plain text.
 */
export function nodeBootData(
  cloud: Cloud,
  accountEndpoint: pulumi.Input<string>,
  poolId: string,
  joinToken: pulumi.Input<string>,
): pulumi.Output<string> {
  const script = pulumi
    .all([accountEndpoint, joinToken])
    .apply(([endpoint, token]) =>
      renderNodeBootstrap({ cloud, accountEndpoint: endpoint, poolId, joinToken: token }),
    );
  return pulumi.secret(script.apply((text) => Buffer.from(text, "utf8").toString("base64")));
}

/** Checks the pool list once, with messages that say what to fix. */
export function checkPools(pools: readonly CloudPoolArgs[]): void {
  const seen = new Set<string>();
  for (const pool of pools) {
    if (!ID_REGEX.test(pool.poolId)) {
      throw new Error(`pool id '${pool.poolId}' is not valid; use 1-64 letters, digits, _ or -`);
    }
    if (seen.has(pool.poolId)) throw new Error(`pool '${pool.poolId}' is listed twice; give each pool once`);
    seen.add(pool.poolId);
    if (
      pool.initialCapacity !== undefined &&
      (!Number.isInteger(pool.initialCapacity) || pool.initialCapacity < 0)
    ) {
      throw new Error(`pool '${pool.poolId}': initialCapacity must be a whole number >= 0`);
    }
  }
}
