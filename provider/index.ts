/**
 * OpenBatch for Pulumi: dynamic resources that declare an account, its pools, job schedules,
 * certificates, virtual networks, applications and application packages.
 * See docs/pulumi.md.
 */
export { Account, type AccountArgs, type AccountOutputs } from "./dynamic/account.js";
export type { AccountRef } from "./dynamic/accountRef.js";
export { Application, type ApplicationArgs } from "./dynamic/application.js";
export {
  ApplicationPackage,
  type ApplicationPackageArgs,
  type ApplicationPackageOutputs,
} from "./dynamic/applicationPackage.js";
export {
  Certificate,
  type CertificateArgs,
  type CertificateOutputs,
} from "./dynamic/certificate.js";
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
export {
  VirtualNetwork,
  type VirtualNetworkArgs,
  type VirtualNetworkOutputs,
} from "./dynamic/virtualNetwork.js";
