export type { ApplicationOperations } from "./applications.js";
export { BatchClient } from "./batchClient.js";
export {
  type CertificateFileOptions,
  type CertificateOperations,
  certificateFromFile,
} from "./certificates.js";
export { BatchConnectionError, BatchRequestError } from "./errors.js";
export type { FileListOptions, FileProperties, FileReadOptions } from "./files.js";
export type { BatchClientOptions } from "./http.js";
export type { JobScheduleOperations } from "./jobSchedules.js";
export type { JobOperations } from "./jobs.js";
export type { NodeOperations } from "./nodes.js";
export { collect, type ListOptions, type PageOptions } from "./paging.js";
export type { PoolOperations } from "./pools.js";
export type { ContainerUrlOptions, StorageOperations } from "./storage.js";
export type { AddManyOptions, TaskOperations } from "./tasks.js";
export type { VirtualNetworkOperations } from "./virtualNetworks.js";
