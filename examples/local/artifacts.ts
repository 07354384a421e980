/**
 * What the example uploads, made on this machine: a self-signed test certificate (made once with
 * `openssl` and kept, so that its thumbprint stays the same from one `pulumi up` to the next; no key
 * is committed) and the application package, a `.tar.gz` of `app/` built so that the same files
 * always give the same bytes (no timestamps, owners or modes beyond the files' own).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import * as tar from "tar";

/**
 * `<buildDir>/example.pfx` (made once: a self-signed RSA certificate for `CN=openbatch-example`,
 * exported with `password`), base64 as `Certificate` takes it.
 */
export function exampleCertificateData(buildDir: string, password: string): string {
  const pfx = path.join(buildDir, "example.pfx");
  if (!fs.existsSync(pfx)) makeCertificate(buildDir, pfx, password);
  return fs.readFileSync(pfx).toString("base64");
}

function makeCertificate(buildDir: string, pfx: string, password: string): void {
  fs.mkdirSync(buildDir, { recursive: true });
  const pem = path.join(buildDir, "example.pem");
  const key = path.join(buildDir, "example.key");
  const openssl = (...args: string[]) =>
    execFileSync("openssl", args, { stdio: "pipe", env: { ...process.env, PFX_PASSWORD: password } });
  const subject = ["-days", "365", "-subj", "/CN=openbatch-example"];
  openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", pem, ...subject);
  openssl("pkcs12", "-export", "-in", pem, "-inkey", key, "-out", pfx, "-passout", "env:PFX_PASSWORD");
  // The pfx holds the key; no second copy of it is left lying around.
  fs.rmSync(key);
}

/** `<buildDir>/<name>.tar.gz` of the files in `sourceDir`, byte for byte the same for the same files. */
export function packageArchive(sourceDir: string, buildDir: string, name: string): string {
  fs.mkdirSync(buildDir, { recursive: true });
  const archive = path.join(buildDir, `${name}.tar.gz`);
  const files = fs.readdirSync(sourceDir).sort();
  tar.create(
    { gzip: { level: 9 }, file: archive, cwd: sourceDir, sync: true, portable: true, noMtime: true },
    files,
  );
  return archive;
}
