/**
 * OpenBatch on this machine, declared with Pulumi: an account (a daemon), a test certificate, an
 * application with one package built from `app/`, and a pool of 2 nodes that has both and is ready
 * (its nodes idle) when `pulumi up` returns. The resources are in resources.ts. See README.md.
 */
import { localBatch, settingsFromConfig } from "./resources.js";

const batch = localBatch(settingsFromConfig());

export const endpoint = batch.endpoint;
export const accountName = batch.accountName;
export const primaryKey = batch.primaryKey;
export const dataDir = batch.dataDir;
export const poolId = batch.poolId;
export const poolCreationTime = batch.poolCreationTime;
export const certificateThumbprint = batch.certificateThumbprint;
export const applicationPackage = batch.applicationPackage;
