/**
 * A local OpenBatch account for MPI: a virtual network (a private subnet; each node gets an address
 * of its own in a network namespace where the host allows it) and a pool on it with inter-node
 * communication enabled. See README.md.
 */
import * as pulumi from "@pulumi/pulumi";
import { Account, Pool, VirtualNetwork } from "../../provider/index.js";

const config = new pulumi.Config();

const account = new Account("batch", {
  cloud: "local",
  dataDir: config.get("dataDir"),
  retainData: config.getBoolean("retainData") ?? false,
});

const network = new VirtualNetwork("mpinet", {
  account,
  addressPrefix: config.get("addressPrefix") ?? "10.88.0.0/24",
});

const pool = new Pool("mpi", {
  account,
  vmSize: "standard_d2s_v3",
  scaleSettings: { fixedScale: { targetDedicatedNodes: config.getNumber("nodeCount") ?? 2 } },
  interNodeCommunication: "Enabled",
  networkConfiguration: { subnetId: network.subnetId },
});

/** Where the CLI and `@azure/batch` reach the account (with `accountName` and `primaryKey`). */
export const endpoint = account.endpoint;
export const accountName = account.accountName;
export const primaryKey = account.primaryKey;
export const poolId = pool.poolName;
export const subnetId = network.subnetId;
export const gatewayAddress = network.gatewayAddress;
/** `namespaces` (nodes isolated, each with its own address) or `loopback` (see isolationReason). */
export const isolation = network.isolation;
export const isolationReason = network.isolationReason;
