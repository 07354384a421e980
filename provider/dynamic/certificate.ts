/**
 * `Certificate`: a certificate of an account (`POST /certificates`), installed on the nodes of the
 * pools that reference it (`Pool`'s `certificates: [{ thumbprint: certificate.thumbprint }]`).
 * Certificates are immutable: any change replaces it. Its data and password are secrets.
 */
import * as pulumi from "@pulumi/pulumi";
import type { CertificateFormat } from "../../protocol/states.js";
import { type AccountRef, withConnection } from "./accountRef.js";
import type { AccountConnection } from "./connection.js";
import { delegatingProvider } from "./delegatingProvider.js";

export interface CertificateProperties {
  /**
   * The certificate file, base64 (e.g. `fs.readFileSync("cert.pfx").toString("base64")`). Kept as a
   * secret in the program and the state. Changing it replaces the certificate.
   */
  data: string;
  /** For a pfx: the password it was exported with (default empty). A secret. Changing it replaces the certificate. */
  password?: string;
  /** `pfx` (default: certificate and private key) or `cer` (certificate only). Changing it replaces the certificate. */
  certificateFormat?: CertificateFormat;
  /**
   * The SHA-1 thumbprint (hex; the resource's id). Default: computed from `data` at check (a pfx is
   * opened with `password` by the `openssl` command). If given, it must match the data.
   */
  thumbprint?: string;
}

export type CertificateArgs = {
  [K in keyof CertificateProperties]: pulumi.Input<CertificateProperties[K]>;
} & AccountRef;

/** The inputs after `check`: format and thumbprint filled in. */
export type CertificateInputs = CertificateProperties &
  AccountConnection & { certificateFormat: CertificateFormat; thumbprint: string };

export interface CertificateOutputs extends CertificateInputs {
  /** Always `sha1`. */
  thumbprintAlgorithm: string;
  /** The certificate's public part (DER, base64), as the service returns it. */
  publicData: string;
}

export class Certificate extends pulumi.dynamic.Resource {
  /** The thumbprint (lower-case hex), for a pool's `certificates: [{ thumbprint }]`. */
  declare readonly thumbprint: pulumi.Output<string>;
  declare readonly thumbprintAlgorithm: pulumi.Output<string>;
  declare readonly publicData: pulumi.Output<string>;

  constructor(name: string, args: CertificateArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      delegatingProvider("openbatch/provider/dynamic/certificateProvider"),
      name,
      {
        ...withConnection(args),
        data: pulumi.secret(args.data),
        password: args.password === undefined ? undefined : pulumi.secret(args.password),
        // An output too when left out: check computes it.
        thumbprint: args.thumbprint,
        thumbprintAlgorithm: undefined,
        publicData: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["data", "password", "accountKey"] }),
      "openbatch",
      "Certificate",
    );
  }
}
