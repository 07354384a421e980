import Type, { type Static } from "typebox";
import { allocationStates, nodeFillTypes, poolStates } from "../states.js";
import { ApplicationPackageReference } from "./application.js";
import { CertificateReference } from "./certificate.js";
import {
  DisplayName,
  Duration,
  EnvironmentSetting,
  Id,
  literalUnion,
  MetadataItem,
  NameValuePair,
  resourceProperties,
  strict,
  Timestamp,
} from "./common.js";

export const ImageReference = Type.Object(
  {
    publisher: Type.Optional(Type.String()),
    offer: Type.Optional(Type.String()),
    sku: Type.Optional(Type.String()),
    version: Type.Optional(Type.String()),
    virtualMachineImageId: Type.Optional(Type.String()),
  },
  strict,
);

/** Recorded as given. On a local account it does not change how a node runs; cloud provisioners use it. */
export const VirtualMachineConfiguration = Type.Object(
  {
    imageReference: ImageReference,
    nodeAgentSKUId: Type.String({ minLength: 1 }),
    windowsConfiguration: Type.Optional(
      Type.Object({ enableAutomaticUpdates: Type.Optional(Type.Boolean()) }, strict),
    ),
    dataDisks: Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }))),
    licenseType: Type.Optional(Type.String()),
    containerConfiguration: Type.Optional(Type.Object({}, { additionalProperties: true })),
    nodePlacementConfiguration: Type.Optional(Type.Object({}, { additionalProperties: true })),
    extensions: Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }))),
    osDisk: Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  strict,
);

export const StartTask = Type.Object(
  {
    commandLine: Type.String({ minLength: 1 }),
    environmentSettings: Type.Optional(Type.Array(EnvironmentSetting)),
    maxTaskRetryCount: Type.Optional(Type.Integer({ minimum: -1 })),
    waitForSuccess: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type StartTask = Static<typeof StartTask>;

export const TaskSchedulingPolicy = Type.Object({ nodeFillType: literalUnion(nodeFillTypes) }, strict);

/**
 * Azure's NetworkConfiguration. `subnetId` naming a local virtual network
 * (`/openbatch/virtualNetworks/{name}/subnets/default`) puts a local pool's nodes on it; any other
 * value, and the other properties, are recorded as given for cloud provisioners.
 */
export const NetworkConfiguration = Type.Object(
  {
    subnetId: Type.Optional(Type.String({ minLength: 1 })),
    dynamicVNetAssignmentScope: Type.Optional(literalUnion(["none", "job"] as const)),
    endpointConfiguration: Type.Optional(Type.Object({}, { additionalProperties: true })),
    publicIPAddressConfiguration: Type.Optional(
      Type.Object(
        {
          provision: Type.Optional(
            literalUnion(["batchmanaged", "usermanaged", "nopublicipaddresses"] as const),
          ),
          ipAddressIds: Type.Optional(Type.Array(Type.String())),
        },
        strict,
      ),
    ),
    enableAcceleratedNetworking: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type NetworkConfiguration = Static<typeof NetworkConfiguration>;

/** Body of `POST /pools`. */
export const PoolAddParameter = Type.Object(
  {
    id: Id,
    displayName: Type.Optional(DisplayName),
    vmSize: Type.String({ minLength: 1 }),
    virtualMachineConfiguration: Type.Optional(VirtualMachineConfiguration),
    resizeTimeout: Type.Optional(Duration),
    targetDedicatedNodes: Type.Optional(Type.Integer({ minimum: 0, maximum: 10000 })),
    targetLowPriorityNodes: Type.Optional(Type.Integer({ minimum: 0, maximum: 10000 })),
    enableInterNodeCommunication: Type.Optional(Type.Boolean()),
    startTask: Type.Optional(StartTask),
    certificateReferences: Type.Optional(Type.Array(CertificateReference)),
    taskSlotsPerNode: Type.Optional(Type.Integer({ minimum: 1, maximum: 256 })),
    taskSchedulingPolicy: Type.Optional(TaskSchedulingPolicy),
    metadata: Type.Optional(Type.Array(MetadataItem)),
    /** Installed on every node when it joins, before its start task and tasks. */
    applicationPackageReferences: Type.Optional(Type.Array(ApplicationPackageReference)),
    networkConfiguration: Type.Optional(NetworkConfiguration),
    /** With it, the formula sets the targets: `targetDedicatedNodes`/`targetLowPriorityNodes` must not be given. */
    enableAutoScale: Type.Optional(Type.Boolean()),
    autoScaleFormula: Type.Optional(Type.String({ minLength: 1 })),
    /** Default PT15M. Azure's minimum is PT5M; a local account allows down to PT2S. */
    autoScaleEvaluationInterval: Type.Optional(Duration),
  },
  strict,
);
export type PoolAddParameter = Static<typeof PoolAddParameter>;

/** Body of `POST /pools/{poolId}/resize`. */
export const PoolResizeParameter = Type.Object(
  {
    targetDedicatedNodes: Type.Optional(Type.Integer({ minimum: 0, maximum: 10000 })),
    targetLowPriorityNodes: Type.Optional(Type.Integer({ minimum: 0, maximum: 10000 })),
    resizeTimeout: Type.Optional(Duration),
    nodeDeallocationOption: Type.Optional(
      literalUnion(["requeue", "terminate", "taskcompletion", "retaineddata"] as const),
    ),
  },
  strict,
);
export type PoolResizeParameter = Static<typeof PoolResizeParameter>;

/**
 * Body of `POST /pools/{poolId}/updateproperties`: replaces the pool's start task (absent: the pool has
 * none any more) and metadata. Nodes run the new start task when they next join or reboot, as in Azure.
 */
export const PoolUpdatePropertiesParameter = Type.Object(
  {
    startTask: Type.Optional(StartTask),
    metadata: Type.Array(MetadataItem),
  },
  strict,
);
export type PoolUpdatePropertiesParameter = Static<typeof PoolUpdatePropertiesParameter>;

/** Body of `POST /pools/{poolId}/enableautoscale`: a new formula, a new interval, or both. */
export const PoolEnableAutoScaleParameter = Type.Object(
  {
    autoScaleFormula: Type.Optional(Type.String({ minLength: 1 })),
    autoScaleEvaluationInterval: Type.Optional(Duration),
  },
  strict,
);
export type PoolEnableAutoScaleParameter = Static<typeof PoolEnableAutoScaleParameter>;

/** Body of `POST /pools/{poolId}/evaluateautoscale`. */
export const PoolEvaluateAutoScaleParameter = Type.Object(
  { autoScaleFormula: Type.String({ minLength: 1 }) },
  strict,
);
export type PoolEvaluateAutoScaleParameter = Static<typeof PoolEvaluateAutoScaleParameter>;

/** Azure's AutoScaleRun: one evaluation of a formula; `results` is `$Name=value;...`. */
export const AutoScaleRun = Type.Object({
  timestamp: Timestamp,
  results: Type.Optional(Type.String()),
  error: Type.Optional(
    Type.Object({
      code: Type.String(),
      message: Type.String(),
      values: Type.Optional(Type.Array(NameValuePair)),
    }),
  ),
});
export type AutoScaleRun = Static<typeof AutoScaleRun>;

export const ResizeError = Type.Object({
  code: Type.String(),
  message: Type.String(),
  values: Type.Optional(Type.Array(NameValuePair)),
});

/** Azure's UsageStatistics: the core time of the pool's dedicated nodes. */
export const UsageStatistics = Type.Object({
  startTime: Timestamp,
  lastUpdateTime: Timestamp,
  /** Wall-clock time of the dedicated nodes' cores while they reported health (ISO 8601 duration). */
  dedicatedCoreTime: Type.String(),
});
export type UsageStatistics = Static<typeof UsageStatistics>;

/**
 * Azure's ResourceStatistics: what the nodes' agents measured (service/core/nodeHealth.ts). Averages
 * and peaks are over every heartbeat's sample of every node; the disk and network figures are the
 * counters' growth between heartbeats, added up over the nodes.
 */
export const ResourceStatistics = Type.Object({
  startTime: Timestamp,
  lastUpdateTime: Timestamp,
  avgCPUPercentage: Type.Number(),
  avgMemoryGiB: Type.Number(),
  peakMemoryGiB: Type.Number(),
  avgDiskGiB: Type.Number(),
  peakDiskGiB: Type.Number(),
  diskReadIOps: Type.Integer(),
  diskWriteIOps: Type.Integer(),
  diskReadGiB: Type.Number(),
  diskWriteGiB: Type.Number(),
  networkReadGiB: Type.Number(),
  networkWriteGiB: Type.Number(),
});
export type ResourceStatistics = Static<typeof ResourceStatistics>;

/** `$expand=stats` of a pool, and `GET /lifetimepoolstats` (every pool of the account added up). */
export const PoolStatistics = Type.Object({
  url: Type.String(),
  startTime: Timestamp,
  lastUpdateTime: Timestamp,
  usageStats: Type.Optional(UsageStatistics),
  resourceStats: Type.Optional(ResourceStatistics),
});
export type PoolStatistics = Static<typeof PoolStatistics>;

/** A pool as `GET /pools/{poolId}` returns it. */
export const Pool = Type.Object({
  ...resourceProperties(literalUnion(poolStates)),
  allocationState: literalUnion(allocationStates),
  allocationStateTransitionTime: Timestamp,
  vmSize: Type.String(),
  virtualMachineConfiguration: Type.Optional(VirtualMachineConfiguration),
  resizeTimeout: Type.String(),
  resizeErrors: Type.Optional(Type.Array(ResizeError)),
  currentDedicatedNodes: Type.Integer(),
  currentLowPriorityNodes: Type.Integer(),
  targetDedicatedNodes: Type.Integer(),
  targetLowPriorityNodes: Type.Integer(),
  enableAutoScale: Type.Boolean(),
  autoScaleFormula: Type.Optional(Type.String()),
  autoScaleEvaluationInterval: Type.Optional(Type.String()),
  autoScaleRun: Type.Optional(AutoScaleRun),
  enableInterNodeCommunication: Type.Boolean(),
  startTask: Type.Optional(StartTask),
  certificateReferences: Type.Optional(Type.Array(CertificateReference)),
  taskSlotsPerNode: Type.Integer(),
  taskSchedulingPolicy: TaskSchedulingPolicy,
  metadata: Type.Optional(Type.Array(MetadataItem)),
  applicationPackageReferences: Type.Optional(Type.Array(ApplicationPackageReference)),
  networkConfiguration: Type.Optional(NetworkConfiguration),
  stats: Type.Optional(PoolStatistics),
});
export type Pool = Static<typeof Pool>;
