/** Thumbprints and pfx contents as the service, the agent and the client compute them (protocol/certificateData.ts). */
import { createPublicKey } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  CertificateDataError,
  normalizeThumbprint,
  openPfx,
  readCer,
  thumbprintOf,
} from "../../../protocol/certificateData.js";
import { makeCertificate, opensslThumbprint, PFX_PASSWORD } from "../../testCertificates.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "openbatch-certdata-"));
const made = makeCertificate(dir, "unit");
const expected = opensslThumbprint(made.pem);

describe("thumbprints", () => {
  it("normalize as Azure keys them: no spaces, lower case", () => {
    expect(normalizeThumbprint(" 68 1E E4 63 1D43fc37 ")).toBe("681ee4631d43fc37");
  });

  it("are the SHA-1 fingerprint openssl shows, for DER and PEM alike", () => {
    expect(expected).toMatch(/^[0-9a-f]{40}$/);
    expect(thumbprintOf(readCer(fs.readFileSync(made.cer)))).toBe(expected);
    expect(thumbprintOf(readCer(fs.readFileSync(made.pem)))).toBe(expected);
  });

  it("refuse data that is not a certificate", () => {
    expect(() => readCer(Buffer.from("not a certificate"))).toThrow(CertificateDataError);
  });
});

describe("openPfx", () => {
  it("gives the certificate and the private key that goes with it", async () => {
    const contents = await openPfx(fs.readFileSync(made.pfx), PFX_PASSWORD);
    expect(thumbprintOf(contents.certificate)).toBe(expected);
    const fromKey = createPublicKey(contents.privateKeyPem!).export({ format: "der", type: "spki" });
    const fromCertificate = contents.certificate.publicKey.export({ format: "der", type: "spki" });
    expect(Buffer.compare(fromKey, fromCertificate)).toBe(0);
    expect(contents.certificatePem).toMatch(
      /^-----BEGIN CERTIFICATE-----\n[\s\S]*-----END CERTIFICATE-----\n$/,
    );
  });

  it("says when the password is wrong, and when the data is no pfx", async () => {
    await expect(openPfx(fs.readFileSync(made.pfx), "wrong")).rejects.toMatchObject({ reason: "password" });
    await expect(openPfx(fs.readFileSync(made.cer), PFX_PASSWORD)).rejects.toMatchObject({
      reason: "format",
      message: expect.stringContaining("not a PKCS #12"),
    });
  });
});
