/**
 * OpenBatch for Pulumi: dynamic resources that declare an account, its pools and its job schedules.
 * See docs/pulumi.md.
 */
export { Account, type AccountArgs, type AccountOutputs } from "./dynamic/account.js";
export type { AccountRef } from "./dynamic/accountRef.js";
export type { AccountConnection } from "./dynamic/connection.js";
export { JobSchedule, type JobScheduleArgs } from "./dynamic/jobSchedule.js";
export {
  type ApplicationPackageReference,
  type CertificateReference,
  type DeploymentConfiguration,
  type FixedScaleSettings,
  Pool,
  type PoolArgs,
  type ScaleSettings,
  type StartTaskArgs,
} from "./dynamic/pool.js";
