/**
 * `VirtualNetwork`: a local virtual network of an account (`/openbatch/virtualNetworks`), a private
 * IPv4 subnet whose pools' nodes get addresses of their own. A pool joins it with
 * `networkConfiguration: { subnetId: network.subnetId }`.
 */
import * as pulumi from "@pulumi/pulumi";
import type { NetworkIsolation } from "../../protocol/rest/virtualNetwork.js";
import { type AccountRef, withConnection } from "./accountRef.js";
import type { AccountConnection } from "./connection.js";
import { delegatingProvider } from "./delegatingProvider.js";

export interface VirtualNetworkProperties {
  /** The network's name (default: the resource name). Changing it replaces the network (the old one is deleted first). */
  networkName?: string;
  /**
   * A private IPv4 subnet in CIDR notation with a prefix length from 16 to 29, e.g. `10.88.0.0/24`.
   * Changing it replaces the network, and with it the pools on it (they are deleted first).
   */
  addressPrefix: string;
}

export type VirtualNetworkArgs = {
  [K in keyof VirtualNetworkProperties]: pulumi.Input<VirtualNetworkProperties[K]>;
} & AccountRef;

/** The inputs after `check`. */
export type VirtualNetworkInputs = VirtualNetworkProperties & AccountConnection & { networkName: string };

export interface VirtualNetworkOutputs extends VirtualNetworkInputs {
  /** What a pool's `networkConfiguration.subnetId` takes to join the network. */
  subnetId: string;
  /** The subnet's gateway address (the host's side). */
  gatewayAddress: string;
  /** `namespaces` (a network namespace per node) or `loopback` (no isolation on this host). */
  isolation: NetworkIsolation;
  /** With `loopback`: why the host cannot isolate nodes. */
  isolationReason?: string;
}

export class VirtualNetwork extends pulumi.dynamic.Resource {
  declare readonly networkName: pulumi.Output<string>;
  declare readonly addressPrefix: pulumi.Output<string>;
  declare readonly subnetId: pulumi.Output<string>;
  declare readonly gatewayAddress: pulumi.Output<string>;
  declare readonly isolation: pulumi.Output<NetworkIsolation>;
  declare readonly isolationReason: pulumi.Output<string | undefined>;

  constructor(name: string, args: VirtualNetworkArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      delegatingProvider("openbatch/provider/dynamic/virtualNetworkProvider"),
      name,
      {
        ...withConnection(args),
        networkName: args.networkName ?? name,
        subnetId: undefined,
        gatewayAddress: undefined,
        isolation: undefined,
        isolationReason: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["accountKey"] }),
      "openbatch",
      "VirtualNetwork",
    );
  }
}
