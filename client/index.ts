export { BatchClient } from "./batchClient.js";
export { BatchConnectionError, BatchRequestError } from "./errors.js";
export type { FileListOptions, FileProperties, FileReadOptions } from "./files.js";
export type { BatchClientOptions } from "./http.js";
export type { JobOperations } from "./jobs.js";
export type { NodeOperations } from "./nodes.js";
export { collect, type ListOptions, type PageOptions } from "./paging.js";
export type { PoolOperations } from "./pools.js";
export type { AddManyOptions, TaskOperations } from "./tasks.js";
