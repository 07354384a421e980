/**
 * Pure parts of the Pool provider: checking inputs, mapping them to the service's `PoolAddParameter`
 * (Azure Batch REST names), and the table of which changes replace the pool and which update it.
 */
import { isDeepStrictEqual } from "node:util";
import type * as pulumi from "@pulumi/pulumi";
import type {
  Pool,
  PoolAddParameter,
  PoolUpdatePropertiesParameter,
  StartTask,
} from "../../protocol/rest/pool.js";
import { type AccountConnection, connectionFailures } from "./connection.js";
import type { CertificateReference, FixedScaleSettings, PoolInputs, PoolProperties } from "./pool.js";
import { type ChangeTable, idFailure, withoutUndefined } from "./propertyDiff.js";

/**
 * Replace where the service cannot change the pool in place. `startTask` and `metadata` go through
 * `updateproperties`, the target counts through `resize`. Certificates and application packages
 * replace for now: the service's updateproperties does not take them yet.
 */
export const poolChangeEffects: ChangeTable<PoolInputs> = {
  poolName: "replace",
  displayName: "replace",
  vmSize: "replace",
  deploymentConfiguration: "replace",
  taskSlotsPerNode: "replace",
  taskSchedulingPolicy: "replace",
  interNodeCommunication: "replace",
  certificates: "replace",
  applicationPackages: "replace",
  networkConfiguration: "replace",
  accountName: "replace",
  scaleSettings: "update",
  startTask: "update",
  metadata: "update",
  waitForNodes: "update",
  endpoint: "update",
  accountKey: "update",
};

/** The service's autoscale evaluation interval when none is given (Azure's). */
export const DEFAULT_EVALUATION_INTERVAL = "PT15M";

const supportedStartTaskKeys = ["commandLine", "environmentSettings", "maxTaskRetryCount", "waitForSuccess"];

export function checkPool(news: Partial<PoolInputs>): pulumi.dynamic.CheckResult<PoolInputs> {
  const inputs = withoutUndefined({ ...news, waitForNodes: news.waitForNodes ?? true }) as PoolInputs;
  const failures = connectionFailures(inputs);
  const badId = idFailure("poolName", inputs.poolName);
  if (badId) failures.push(badId);
  if (typeof inputs.vmSize !== "string" || inputs.vmSize === "")
    failures.push({ property: "vmSize", reason: "vmSize is required, e.g. standard_d2s_v3." });
  const autoScale = inputs.scaleSettings?.autoScale;
  if (autoScale && inputs.scaleSettings?.fixedScale)
    failures.push({
      property: "scaleSettings",
      reason: "scaleSettings has both fixedScale and autoScale: give one of them.",
    });
  if (autoScale && (typeof autoScale.formula !== "string" || autoScale.formula.trim() === ""))
    failures.push({
      property: "scaleSettings",
      reason:
        "scaleSettings.autoScale.formula is required, e.g. '$TargetDedicatedNodes = min(4, $PendingTasks.GetSample(1));'.",
    });
  const fixed = inputs.scaleSettings?.fixedScale;
  for (const key of ["targetDedicatedNodes", "targetLowPriorityNodes"] as const) {
    const count = fixed?.[key];
    if (count !== undefined && !(Number.isInteger(count) && count >= 0 && count <= 10000))
      failures.push({
        property: "scaleSettings",
        reason: `fixedScale.${key} ${count} must be a whole number from 0 to 10000.`,
      });
  }
  const slots = inputs.taskSlotsPerNode;
  if (slots !== undefined && !(Number.isInteger(slots) && slots >= 1 && slots <= 256))
    failures.push({
      property: "taskSlotsPerNode",
      reason: `taskSlotsPerNode ${slots} must be a whole number from 1 to 256.`,
    });
  if (inputs.startTask) {
    if (!inputs.startTask.commandLine)
      failures.push({ property: "startTask", reason: "startTask.commandLine is required (not empty)." });
    const unsupported = Object.keys(inputs.startTask).filter((key) => !supportedStartTaskKeys.includes(key));
    if (unsupported.length > 0)
      failures.push({
        property: "startTask",
        reason: `startTask.${unsupported.join(", startTask.")} ${unsupported.length > 1 ? "are" : "is"} not supported: use ${supportedStartTaskKeys.join(", ")}.`,
      });
  }
  const fill = inputs.taskSchedulingPolicy?.nodeFillType;
  if (fill !== undefined && !["spread", "pack"].includes(String(fill).toLowerCase()))
    failures.push({
      property: "taskSchedulingPolicy",
      reason: `nodeFillType '${fill}' must be Spread or Pack.`,
    });
  const communication = inputs.interNodeCommunication;
  if (communication !== undefined && communication !== "Enabled" && communication !== "Disabled")
    failures.push({
      property: "interNodeCommunication",
      reason: `interNodeCommunication '${communication}' must be Enabled or Disabled.`,
    });
  if (inputs.networkConfiguration && !inputs.networkConfiguration.subnetId)
    failures.push({
      property: "networkConfiguration",
      reason: "networkConfiguration.subnetId is required when networkConfiguration is given.",
    });
  return { inputs, failures };
}

function startTaskOf(inputs: PoolProperties): StartTask | undefined {
  return inputs.startTask && withoutUndefined({ ...inputs.startTask });
}

/** The `POST /pools` body for checked inputs. */
export function poolAddParameter(inputs: PoolInputs): PoolAddParameter {
  const fixed = inputs.scaleSettings?.fixedScale;
  const autoScale = inputs.scaleSettings?.autoScale;
  const vm = inputs.deploymentConfiguration?.virtualMachineConfiguration;
  const body = {
    id: inputs.poolName,
    displayName: inputs.displayName,
    vmSize: inputs.vmSize,
    virtualMachineConfiguration: vm && {
      imageReference: withoutUndefined({
        publisher: vm.imageReference.publisher,
        offer: vm.imageReference.offer,
        sku: vm.imageReference.sku,
        version: vm.imageReference.version,
        virtualMachineImageId: vm.imageReference.id,
      }),
      nodeAgentSKUId: vm.nodeAgentSkuId,
    },
    resizeTimeout: fixed?.resizeTimeout,
    ...(autoScale
      ? {
          enableAutoScale: true,
          autoScaleFormula: autoScale.formula,
          autoScaleEvaluationInterval: autoScale.evaluationInterval,
        }
      : {
          targetDedicatedNodes: fixed?.targetDedicatedNodes ?? 0,
          targetLowPriorityNodes: fixed?.targetLowPriorityNodes ?? 0,
        }),
    enableInterNodeCommunication:
      inputs.interNodeCommunication === undefined ? undefined : inputs.interNodeCommunication === "Enabled",
    startTask: startTaskOf(inputs),
    taskSlotsPerNode: inputs.taskSlotsPerNode,
    taskSchedulingPolicy: inputs.taskSchedulingPolicy && {
      nodeFillType: inputs.taskSchedulingPolicy.nodeFillType.toLowerCase() as "spread" | "pack",
    },
    metadata: inputs.metadata,
    // Added to the service's pool schema by the certificate, application package and network work.
    certificateReferences: inputs.certificates?.map((c) =>
      withoutUndefined({ thumbprintAlgorithm: "sha1", ...c }),
    ),
    applicationPackageReferences: inputs.applicationPackages?.map((p) =>
      withoutUndefined({ applicationId: p.id, version: p.version }),
    ),
    networkConfiguration: inputs.networkConfiguration && { subnetId: inputs.networkConfiguration.subnetId },
  };
  return withoutUndefined(body) as PoolAddParameter;
}

/** The `POST /pools/{id}/updateproperties` body: what an update in place replaces. */
export function poolUpdateProperties(inputs: PoolInputs): PoolUpdatePropertiesParameter {
  return withoutUndefined({ startTask: startTaskOf(inputs), metadata: inputs.metadata ?? [] });
}

/** The target node counts of checked inputs. */
export function poolTargets(inputs: PoolInputs) {
  const fixed = inputs.scaleSettings?.fixedScale;
  return {
    targetDedicatedNodes: fixed?.targetDedicatedNodes ?? 0,
    targetLowPriorityNodes: fixed?.targetLowPriorityNodes ?? 0,
  };
}

/**
 * The inputs that would produce a pool as the service shows it (refresh and import). Where `known`
 * (the inputs in state) says the same thing in other words (`Pack` for `pack`, a default spelled
 * out or left out), its words are kept, so that a refresh shows no drift that is not there.
 */
export function poolInputsFromService(
  pool: Pool,
  connection: AccountConnection,
  known: Partial<PoolInputs> | undefined,
): PoolInputs {
  const read = serviceInputs(pool, connection, known?.scaleSettings?.fixedScale);
  if (!known) return read;
  const knownBody = poolAddParameter(known as PoolInputs);
  const kept = Object.keys(poolChangeEffects).filter((key) =>
    isDeepStrictEqual(
      poolAddParameter({ ...known, [key]: read[key as keyof PoolInputs] } as PoolInputs),
      knownBody,
    ),
  );
  const merged = { ...read, ...Object.fromEntries(kept.map((key) => [key, known[key as keyof PoolInputs]])) };
  return withoutUndefined({ ...merged, ...connection, waitForNodes: known.waitForNodes ?? true });
}

function serviceInputs(
  pool: Pool,
  connection: AccountConnection,
  fixedKnown: FixedScaleSettings | undefined,
): PoolInputs {
  const vm = pool.virtualMachineConfiguration;
  const extra = pool as Pool & {
    certificateReferences?: CertificateReference[];
    applicationPackageReferences?: { applicationId: string; version?: string }[];
    networkConfiguration?: { subnetId?: string };
  };
  return withoutUndefined({
    ...connection,
    poolName: pool.id,
    displayName: pool.displayName,
    vmSize: pool.vmSize,
    deploymentConfiguration: vm && {
      virtualMachineConfiguration: {
        imageReference: withoutUndefined({
          publisher: vm.imageReference.publisher,
          offer: vm.imageReference.offer,
          sku: vm.imageReference.sku,
          version: vm.imageReference.version,
          id: vm.imageReference.virtualMachineImageId,
        }),
        nodeAgentSkuId: vm.nodeAgentSKUId,
      },
    },
    scaleSettings: pool.enableAutoScale
      ? {
          autoScale: withoutUndefined({
            formula: pool.autoScaleFormula!,
            // The default left out, as a program that does not set it would.
            evaluationInterval:
              pool.autoScaleEvaluationInterval === DEFAULT_EVALUATION_INTERVAL
                ? undefined
                : pool.autoScaleEvaluationInterval,
          }),
        }
      : {
          fixedScale: withoutUndefined({
            targetDedicatedNodes: pool.targetDedicatedNodes,
            targetLowPriorityNodes: pool.targetLowPriorityNodes,
            // Not shown by the pool (the last resize's values are): kept from state.
            resizeTimeout: fixedKnown?.resizeTimeout,
            nodeDeallocationOption: fixedKnown?.nodeDeallocationOption,
          }),
        },
    startTask: pool.startTask,
    // The service's defaults are left out, as a program that does not set them would.
    taskSlotsPerNode: pool.taskSlotsPerNode === 1 ? undefined : pool.taskSlotsPerNode,
    taskSchedulingPolicy:
      pool.taskSchedulingPolicy.nodeFillType === "pack" ? { nodeFillType: "Pack" } : undefined,
    interNodeCommunication: pool.enableInterNodeCommunication ? "Enabled" : undefined,
    metadata: pool.metadata,
    certificates: extra.certificateReferences,
    applicationPackages: extra.applicationPackageReferences?.map((p) =>
      withoutUndefined({ id: p.applicationId, version: p.version }),
    ),
    networkConfiguration: extra.networkConfiguration?.subnetId
      ? { subnetId: extra.networkConfiguration.subnetId }
      : undefined,
    waitForNodes: true,
  });
}
