/**
 * `Application`: an application of an account (`/openbatch/applications/{id}`; ARM's Application in
 * Azure), whose versions are `ApplicationPackage`s. Its settings change in place.
 */
import * as pulumi from "@pulumi/pulumi";
import { type AccountRef, withConnection } from "./accountRef.js";
import type { AccountConnection } from "./connection.js";
import { delegatingProvider } from "./delegatingProvider.js";

export interface ApplicationProperties {
  /** The application's id (default: the resource name). Changing it replaces the application (the old one is deleted first). */
  applicationId?: string;
  /** A display name. Updates in place. */
  displayName?: string;
  /** Whether a version may be uploaded again with other contents (default true). Updates in place. */
  allowUpdates?: boolean;
  /**
   * The version pools and tasks get when they name none. It must have been uploaded already (an
   * earlier `pulumi up`, or the CLI); to make a package of the same program the default, set
   * `isDefault` on that `ApplicationPackage` instead. Updates in place.
   */
  defaultVersion?: string;
}

export type ApplicationArgs = {
  [K in keyof ApplicationProperties]: pulumi.Input<ApplicationProperties[K]>;
} & AccountRef;

/** The inputs after `check`. */
export type ApplicationInputs = ApplicationProperties &
  AccountConnection & { applicationId: string; allowUpdates: boolean };

export type ApplicationOutputs = ApplicationInputs;

export class Application extends pulumi.dynamic.Resource {
  /** The id, for `ApplicationPackage`'s `applicationId` and a pool's `applicationPackages: [{ id }]`. */
  declare readonly applicationId: pulumi.Output<string>;
  declare readonly displayName: pulumi.Output<string | undefined>;
  declare readonly allowUpdates: pulumi.Output<boolean>;
  declare readonly defaultVersion: pulumi.Output<string | undefined>;

  constructor(name: string, args: ApplicationArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      delegatingProvider("openbatch/provider/dynamic/applicationProvider"),
      name,
      {
        ...withConnection(args),
        applicationId: args.applicationId ?? name,
        allowUpdates: args.allowUpdates ?? true,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["accountKey"] }),
      "openbatch",
      "Application",
    );
  }
}
