/**
 * Reading certificate files as Azure Batch does, in one place for the service (checking an add), the
 * agent (writing PEM files on a node) and the client (computing a thumbprint from a file): SHA-1
 * thumbprints of `.cer` files (DER or PEM), and the certificate and private key inside a PKCS #12
 * (`.pfx`) file. Node's crypto cannot read PKCS #12, so `.pfx` files are opened with the `openssl`
 * command; the password reaches it through its environment, never its command line (which `ps` shows).
 */
import { spawn } from "node:child_process";
import { X509Certificate } from "node:crypto";

/** Data that is not a certificate of the stated format, a wrong password, or no `openssl` to read it. */
export class CertificateDataError extends Error {
  constructor(
    message: string,
    /** `password` when the pfx did not open with the password given. */
    readonly reason: "format" | "password" | "tool" = "format",
  ) {
    super(message);
    this.name = "CertificateDataError";
  }
}

/** A thumbprint as Azure keys certificates by it: hex digits, lower case, spaces removed. */
export function normalizeThumbprint(text: string): string {
  return text.replace(/\s+/g, "").toLowerCase();
}

/** The SHA-1 thumbprint of a certificate, normalized. */
export function thumbprintOf(certificate: X509Certificate): string {
  return normalizeThumbprint(certificate.fingerprint.replaceAll(":", ""));
}

/** A `.cer` file: one X.509 certificate, DER or PEM. */
export function readCer(data: Buffer): X509Certificate {
  try {
    return new X509Certificate(data);
  } catch (error) {
    throw new CertificateDataError(
      `the data is not an X.509 certificate in DER or PEM form (${(error as Error).message})`,
    );
  }
}

export interface PfxContents {
  /** The certificate that goes with the private key (openssl's "client certificate"). */
  certificate: X509Certificate;
  certificatePem: string;
  /** The private key, unencrypted PKCS #8 PEM; absent when the pfx holds none. */
  privateKeyPem?: string;
}

const OPENSSL_TIMEOUT_MS = 15_000;
const PASSWORD_VARIABLE = "OPENBATCH_PFX_PASSWORD";

/** Opens a `.pfx` with its password: its certificate and private key as PEM. */
export async function openPfx(data: Buffer, password: string): Promise<PfxContents> {
  let result = await runPkcs12(data, password, []);
  // OpenSSL 3 reads the RC2/40-bit bags of older (Windows) exports only with its legacy provider.
  if (result.code !== 0 && /unsupported|legacy|RC2/i.test(result.stderr))
    result = await runPkcs12(data, password, ["-legacy"]);
  if (result.code !== 0) {
    const stderr = result.stderr.trim();
    if (/invalid password|mac verify/i.test(stderr))
      throw new CertificateDataError("the password does not open the pfx", "password");
    throw new CertificateDataError(
      `the data is not a PKCS #12 (pfx) file openssl can read (${firstLine(stderr)})`,
    );
  }
  const certificatePem = pemBlocks(result.stdout, "CERTIFICATE")[0];
  if (!certificatePem)
    throw new CertificateDataError("the pfx holds no certificate that goes with a private key");
  return {
    certificate: new X509Certificate(certificatePem),
    certificatePem,
    privateKeyPem: pemBlocks(result.stdout, "PRIVATE KEY")[0],
  };
}

/** `openssl pkcs12 -clcerts -nodes`: the pfx on stdin, the certificate and unencrypted key on stdout. */
function runPkcs12(
  data: Buffer,
  password: string,
  extra: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      "openssl",
      ["pkcs12", "-clcerts", "-nodes", "-passin", `env:${PASSWORD_VARIABLE}`, ...extra],
      {
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", [PASSWORD_VARIABLE]: password },
        stdio: ["pipe", "pipe", "pipe"],
        timeout: OPENSSL_TIMEOUT_MS,
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "ENOENT"
          ? new CertificateDataError(
              "the openssl command is not installed, so pfx files cannot be read; install it (Debian: apt-get install openssl)",
              "tool",
            )
          : error,
      ),
    );
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    // openssl may exit before reading everything (bad data): a broken pipe is then its answer.
    child.stdin.on("error", () => {});
    child.stdin.end(data);
  });
}

/** The PEM blocks of one kind (`CERTIFICATE`, `PRIVATE KEY`) in `text`, each with its BEGIN/END lines. */
function pemBlocks(text: string, label: string): string[] {
  const pattern = new RegExp(`-----BEGIN ${label}-----[\\s\\S]*?-----END ${label}-----\\n?`, "g");
  return [...text.matchAll(pattern)].map((match) => (match[0].endsWith("\n") ? match[0] : `${match[0]}\n`));
}

function firstLine(text: string): string {
  return text.split("\n").find((line) => line.trim() !== "") ?? "no error output";
}
