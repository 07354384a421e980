/**
 * `Account`: a Batch account. With `cloud: "local"` (the only cloud this resource serves) it is an
 * account service daemon on this machine, started or adopted per data directory.
 */
import * as pulumi from "@pulumi/pulumi";
import { delegatingProvider } from "./delegatingProvider.js";

export interface AccountArgs {
  /** Where the account service runs: `"local"` (default), a daemon on this machine. Changing it replaces the account. */
  cloud?: pulumi.Input<"local">;
  /** The account's name: 3 to 24 lower-case letters and digits. Default: the resource name. Changing it replaces the account. */
  accountName?: pulumi.Input<string>;
  /**
   * The daemon's data directory (database, key, node directories, `service.log`). Default
   * `~/.openbatch/pulumi/<project>-<stack>-<resource name>`. It is the resource's id (import with it);
   * changing it replaces the account.
   */
  dataDir?: pulumi.Input<string>;
  /** The address the service listens on (default `127.0.0.1`). Changing it restarts the daemon. */
  host?: pulumi.Input<string>;
  /** The port (default 0: any free port, chosen at each start). Changing it restarts the daemon. */
  port?: pulumi.Input<number>;
  /**
   * The account key (base64 of at least 16 bytes), a secret. Default: generated on the first start and
   * kept in the data directory. Changing it restarts the daemon with the new key.
   */
  accountKey?: pulumi.Input<string>;
  /**
   * Whether the data directory outlives the resource (default true): on delete the daemon is always
   * stopped, and the directory (database, key, node directories) is removed only when this is false.
   */
  retainData?: pulumi.Input<boolean>;
}

/** The inputs after `check`: defaults applied. */
export interface AccountInputs {
  cloud: "local";
  accountName: string;
  dataDir: string;
  host: string;
  port: number;
  accountKey?: string;
  retainData: boolean;
}

export interface AccountOutputs extends AccountInputs {
  endpoint: string;
  primaryKey: string;
  /** The daemon's pid (0 when refresh found it stopped). */
  pid: number;
}

export class Account extends pulumi.dynamic.Resource {
  /** The REST endpoint, e.g. `http://127.0.0.1:39113`. */
  declare readonly endpoint: pulumi.Output<string>;
  declare readonly accountName: pulumi.Output<string>;
  /** The SharedKey, a secret. */
  declare readonly primaryKey: pulumi.Output<string>;
  /** The data directory, expanded (also the id). */
  declare readonly dataDir: pulumi.Output<string>;
  declare readonly pid: pulumi.Output<number>;

  constructor(name: string, args: AccountArgs = {}, opts?: pulumi.CustomResourceOptions) {
    const defaultDataDir = `~/.openbatch/pulumi/${pulumi.getProject()}-${pulumi.getStack()}-${name}`;
    super(
      delegatingProvider("openbatch/provider/dynamic/accountProvider"),
      name,
      {
        ...args,
        accountName: args.accountName ?? name,
        dataDir: args.dataDir ?? defaultDataDir,
        accountKey: args.accountKey === undefined ? undefined : pulumi.secret(args.accountKey),
        endpoint: undefined,
        primaryKey: undefined,
        pid: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["primaryKey", "accountKey"] }),
      "openbatch",
      "Account",
    );
    // additionalSecretOutputs keeps the key secret in the engine's state; this keeps it secret in the
    // program too (and in the inputs of the resources that take it), engine or not.
    Object.assign(this, { primaryKey: pulumi.secret(this.primaryKey) });
  }
}
