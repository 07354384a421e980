/**
 * Installs the certificates of the node's pool into `<nodeRoot>/certs` (`AZ_BATCH_CERTIFICATES_DIR`),
 * named as Azure Batch names them on Linux nodes, each file written atomically:
 *
 *   sha1-<thumbprint>.cer      the public certificate, DER            0644 (cer and pfx)
 *   sha1-<thumbprint>.pem      the public certificate, PEM            0644 (cer and pfx)
 *   sha1-<thumbprint>.pfx      the pfx as added                       0600 (pfx)
 *   sha1-<thumbprint>.pfx.pw   the pfx's password                     0600 (pfx)
 *   sha1-<thumbprint>.key      the private key, unencrypted PKCS #8   0600 (pfx with a key)
 *
 * The directory is 0700: only the agent's user (as whom every task runs) can read private keys.
 * Files of certificates the pool no longer references are removed, so the directory holds exactly
 * the pool's certificates.
 */
import { chmodSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { NodeCertificate } from "../protocol/agent.js";
import { openPfx, readCer } from "../protocol/certificateData.js";
import { writeFileAtomic } from "./atomicFile.js";
import { errorText } from "./log.js";

const PUBLIC = 0o644;
const PRIVATE = 0o600;
const DIRECTORY = 0o700;

/** The files one certificate is installed as, by role. */
export function certificateFileNames(thumbprint: string): {
  cer: string;
  pem: string;
  pfx: string;
  password: string;
  key: string;
} {
  const base = `sha1-${thumbprint}`;
  return {
    cer: `${base}.cer`,
    pem: `${base}.pem`,
    pfx: `${base}.pfx`,
    password: `${base}.pfx.pw`,
    key: `${base}.key`,
  };
}

/** The thumbprint a file of the layout belongs to, or undefined for any other file. */
export function thumbprintOfFile(name: string): string | undefined {
  return /^sha1-([0-9a-f]{40})\.(cer|pem|pfx|pfx\.pw|key)$/.exec(name)?.[1];
}

export interface InstallFailure {
  thumbprint: string;
  message: string;
}

/** Installs `certificates` into `directory`; resolves with those that could not be installed. */
export async function installCertificates(
  directory: string,
  certificates: readonly NodeCertificate[],
): Promise<InstallFailure[]> {
  try {
    mkdirSync(directory, { recursive: true, mode: DIRECTORY });
    chmodSync(directory, DIRECTORY);
    removeUnreferenced(directory, new Set(certificates.map((c) => c.thumbprint)));
  } catch (error) {
    return certificates.map((c) => ({
      thumbprint: c.thumbprint,
      message: `${directory} could not be prepared: ${errorText(error)}`,
    }));
  }
  const failures: InstallFailure[] = [];
  for (const certificate of certificates) {
    try {
      await install(directory, certificate);
    } catch (error) {
      failures.push({ thumbprint: certificate.thumbprint, message: errorText(error) });
    }
  }
  return failures;
}

async function install(directory: string, certificate: NodeCertificate): Promise<void> {
  const names = certificateFileNames(certificate.thumbprint);
  const write = (name: string, content: string | Uint8Array, mode: number) => {
    const path = join(directory, name);
    writeFileAtomic(path, content, mode);
    // The umask may have taken bits away from a public file; a private one stays private either way.
    chmodSync(path, mode);
  };
  const data = Buffer.from(certificate.data, "base64");
  if (certificate.certificateFormat === "cer") {
    const x509 = readCer(data);
    write(names.cer, x509.raw, PUBLIC);
    write(names.pem, x509.toString(), PUBLIC);
    return;
  }
  const password = certificate.password ?? "";
  // The private files first: a pfx that does not open still leaves what was added, for inspection.
  write(names.pfx, data, PRIVATE);
  write(names.password, password, PRIVATE);
  const contents = await openPfx(data, password);
  if (contents.privateKeyPem) write(names.key, contents.privateKeyPem, PRIVATE);
  write(names.cer, contents.certificate.raw, PUBLIC);
  write(names.pem, contents.certificatePem, PUBLIC);
}

function removeUnreferenced(directory: string, wanted: ReadonlySet<string>): void {
  for (const name of readdirSync(directory)) {
    const thumbprint = thumbprintOfFile(name);
    if (thumbprint !== undefined && !wanted.has(thumbprint)) rmSync(join(directory, name), { force: true });
  }
}
