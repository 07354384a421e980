/** The Azure Batch data-plane API version whose paths, names and shapes OpenBatch serves. */
export const API_VERSION = "2022-10-01.16.0";

/** Ids of pools, jobs, tasks and nodes: Azure Batch's rule (letters, digits, hyphen, underscore; 1..64). */
export const ID_PATTERN = "^[A-Za-z0-9_-]{1,64}$";
export const ID_REGEX = new RegExp(ID_PATTERN);
