/**
 * `ApplicationPackage`: one version of an `Application`, uploaded from a `.tar.gz` or `.zip` archive
 * on this machine. The archive's SHA-256 is computed at check, so a changed file shows as a change
 * (which replaces the package) even when its path stays the same.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PackageFormat } from "../../protocol/rest/application.js";
import { type AccountRef, withConnection } from "./accountRef.js";
import type { AccountConnection } from "./connection.js";
import { delegatingProvider } from "./delegatingProvider.js";

export interface ApplicationPackageProperties {
  /** The application (an `Application`'s `applicationId`). Changing it replaces the package. */
  applicationId: string;
  /** The version: letters, digits, `_`, `-` and `.`. Changing it replaces the package. */
  version: string;
  /**
   * The archive to upload: a `.tar.gz`, `.tgz` or `.zip` file, relative to the project directory or
   * absolute. Changing the path, or the file's contents, replaces the package.
   */
  archivePath: string;
  /**
   * Makes this version the application's default version (what pools and tasks get when they name
   * none), after it is uploaded. Updates in place; `false` after `true` unsets the default.
   */
  isDefault?: boolean;
}

export type ApplicationPackageArgs = {
  [K in keyof ApplicationPackageProperties]: pulumi.Input<ApplicationPackageProperties[K]>;
} & AccountRef;

/** The inputs after `check`: the archive's digest and format filled in. */
export type ApplicationPackageInputs = ApplicationPackageProperties &
  AccountConnection & { sha256: string; format: PackageFormat; isDefault: boolean };

export interface ApplicationPackageOutputs extends ApplicationPackageInputs {
  /** The archive's size in bytes. */
  size: number;
}

export class ApplicationPackage extends pulumi.dynamic.Resource {
  declare readonly applicationId: pulumi.Output<string>;
  declare readonly version: pulumi.Output<string>;
  /** Lower-case hex SHA-256 of the archive, as the service checks it. */
  declare readonly sha256: pulumi.Output<string>;
  /** `tar.gz` or `zip`. */
  declare readonly format: pulumi.Output<PackageFormat>;
  declare readonly size: pulumi.Output<number>;

  constructor(name: string, args: ApplicationPackageArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      delegatingProvider("openbatch/provider/dynamic/applicationPackageProvider"),
      name,
      { ...withConnection(args), sha256: undefined, format: undefined, size: undefined },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["accountKey"] }),
      "openbatch",
      "ApplicationPackage",
    );
  }
}
