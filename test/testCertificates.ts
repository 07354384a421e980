/** Certificate files for tests, made by `openssl` as a user would make them: a self-signed key pair, its pfx and its DER .cer. */
import { execFileSync } from "node:child_process";
import path from "node:path";

export const PFX_PASSWORD = "pfx-s3cret-Pa55";

export interface TestCertificate {
  /** PEM certificate and unencrypted key, as `openssl req -x509` wrote them. */
  pem: string;
  key: string;
  /** PKCS #12 with PFX_PASSWORD. */
  pfx: string;
  /** DER. */
  cer: string;
}

export function makeCertificate(dir: string, name: string): TestCertificate {
  const files = {
    pem: path.join(dir, `${name}.pem`),
    key: path.join(dir, `${name}.key`),
    pfx: path.join(dir, `${name}.pfx`),
    cer: path.join(dir, `${name}.cer`),
  };
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
  openssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    files.key,
    "-out",
    files.pem,
    "-days",
    "2",
    "-subj",
    `/CN=${name}`,
  );
  openssl(
    "pkcs12",
    "-export",
    "-in",
    files.pem,
    "-inkey",
    files.key,
    "-out",
    files.pfx,
    "-passout",
    `pass:${PFX_PASSWORD}`,
  );
  openssl("x509", "-in", files.pem, "-outform", "der", "-out", files.cer);
  return files;
}

/** `openssl x509 -fingerprint -sha1` of a PEM file, as lower-case hex. */
export function opensslThumbprint(pemFile: string): string {
  const out = execFileSync("openssl", ["x509", "-in", pemFile, "-noout", "-fingerprint", "-sha1"]).toString();
  return out.trim().replace(/^.*=/, "").replaceAll(":", "").toLowerCase();
}
