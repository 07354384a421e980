/**
 * `Pool`: a pool of compute nodes in an account, named after `azure-native.batch.Pool`'s inputs. On a
 * local account every node is an agent process on the service's machine.
 */
import * as pulumi from "@pulumi/pulumi";
import { type AccountRef, withConnection } from "./accountRef.js";
import type { AccountConnection } from "./connection.js";
import type { DeepInput } from "./deepInput.js";
import { delegatingProvider } from "./delegatingProvider.js";

export interface ImageReference {
  publisher?: string;
  offer?: string;
  sku?: string;
  version?: string;
  /** A custom image's resource id (the service's `virtualMachineImageId`). */
  id?: string;
}

export interface DeploymentConfiguration {
  virtualMachineConfiguration: {
    imageReference: ImageReference;
    /** E.g. `batch.node.ubuntu 22.04` (the service's `nodeAgentSKUId`). */
    nodeAgentSkuId: string;
  };
}

export interface FixedScaleSettings {
  /** Dedicated nodes wanted (default 0). A change resizes the pool in place. */
  targetDedicatedNodes?: number;
  /** Low-priority nodes wanted (default 0). A change resizes the pool in place. */
  targetLowPriorityNodes?: number;
  /** ISO 8601 duration (default `PT15M`); also how long `waitForNodes` waits. */
  resizeTimeout?: string;
  /** What happens to tasks on nodes removed by a shrink: `requeue` (default), `terminate`, `taskcompletion`, `retaineddata`. */
  nodeDeallocationOption?: "requeue" | "terminate" | "taskcompletion" | "retaineddata";
}

export interface AutoScaleSettings {
  formula: string;
  evaluationInterval?: string;
}

export interface ScaleSettings {
  /** A fixed node count. */
  fixedScale?: FixedScaleSettings;
  /**
   * An autoscale formula (the Azure Batch formula language) that sets the targets, evaluated every
   * `evaluationInterval` (ISO 8601, default `PT15M`; a local account allows down to `PT2S`). A change of
   * formula or interval updates the pool in place; switching between fixedScale and autoScale too.
   */
  autoScale?: AutoScaleSettings;
}

export interface StartTaskArgs {
  /** Run without a shell; `/bin/sh -c '...'` for shell features. */
  commandLine: string;
  environmentSettings?: { name: string; value?: string }[];
  /** Retries of a failing start task; -1 without limit (default 0). */
  maxTaskRetryCount?: number;
  /** Nodes take tasks only once it succeeded (default false on OpenBatch). */
  waitForSuccess?: boolean;
}

export interface CertificateReference {
  /** The certificate's thumbprint (hex). */
  thumbprint: string;
  /** Default `sha1`. */
  thumbprintAlgorithm?: string;
  storeLocation?: "currentuser" | "localmachine";
  storeName?: string;
  visibility?: ("starttask" | "task" | "remoteuser")[];
}

export interface ApplicationPackageReference {
  /** The application's id. */
  id: string;
  /** Default: the application's default version. */
  version?: string;
}

export interface PoolProperties {
  /** The pool's id (default: the resource name). Changing it replaces the pool (the old one is deleted first). */
  poolName?: string;
  /** A display name. Changing it replaces the pool. */
  displayName?: string;
  /** The VM size, e.g. `standard_d2s_v3` (required; recorded on a local account). Changing it replaces the pool. */
  vmSize: string;
  /** The nodes' image. Changing it replaces the pool. */
  deploymentConfiguration?: DeploymentConfiguration;
  /** How many nodes: `fixedScale` or `autoScale`, one of them (a change updates the pool in place). */
  scaleSettings?: ScaleSettings;
  /** What every node runs when it joins. Changing it updates in place: nodes run the new one when they next join or reboot. */
  startTask?: StartTaskArgs;
  /** Task slots on each node, 1 to 256 (default 1). Changing it replaces the pool. */
  taskSlotsPerNode?: number;
  /** How tasks spread over nodes: `Spread` (default) or `Pack`. Changing it replaces the pool. */
  taskSchedulingPolicy?: { nodeFillType: "Spread" | "Pack" | "spread" | "pack" };
  /** `Enabled` lets nodes talk to each other (MPI); default `Disabled`. Changing it replaces the pool. */
  interNodeCommunication?: "Enabled" | "Disabled";
  /** Name/value pairs. Changing them updates in place. */
  metadata?: { name: string; value: string }[];
  /** Certificates installed on every node (the service's `certificateReferences`). Changing them replaces the pool. */
  certificates?: CertificateReference[];
  /** Application packages installed on every node (`applicationPackageReferences`). Changing them replaces the pool. */
  applicationPackages?: ApplicationPackageReference[];
  /** The virtual network subnet the nodes join. Changing it replaces the pool. */
  networkConfiguration?: { subnetId: string };
  /**
   * Whether create and update return only once the target nodes are idle (default true); they fail
   * with the pool's resize errors or a node's start task failure.
   */
  waitForNodes?: boolean;
}

export type PoolArgs = { [K in keyof PoolProperties]: DeepInput<PoolProperties[K]> } & AccountRef;

/** The inputs after `check`: defaults applied. */
export type PoolInputs = PoolProperties & AccountConnection & { poolName: string; waitForNodes: boolean };

export interface PoolOutputs extends PoolInputs {
  currentDedicatedNodes: number;
  currentLowPriorityNodes: number;
  creationTime: string;
  /** The token machines join the pool with (`OPENBATCH_JOIN_TOKEN`), a secret. */
  joinToken: string;
}

export class Pool extends pulumi.dynamic.Resource {
  declare readonly poolName: pulumi.Output<string>;
  declare readonly vmSize: pulumi.Output<string>;
  declare readonly currentDedicatedNodes: pulumi.Output<number>;
  declare readonly currentLowPriorityNodes: pulumi.Output<number>;
  declare readonly creationTime: pulumi.Output<string>;
  /**
   * The pool's join token, a secret: what a cloud component's machines join the pool with (e.g.
   * `AzureBatchCluster`'s `pools: [{ poolId, joinToken: pool.joinToken }]`).
   */
  declare readonly joinToken: pulumi.Output<string>;

  constructor(name: string, args: PoolArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      delegatingProvider("openbatch/provider/dynamic/poolProvider"),
      name,
      {
        ...withConnection(args),
        poolName: args.poolName ?? name,
        currentDedicatedNodes: undefined,
        currentLowPriorityNodes: undefined,
        creationTime: undefined,
        joinToken: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["accountKey", "joinToken"] }),
      "openbatch",
      "Pool",
    );
    // As Account's primaryKey: secret in the program too, engine or not.
    Object.assign(this, { joinToken: pulumi.secret(this.joinToken) });
  }
}
