/** The certificate files an agent writes (agent/certificates.ts): names, modes, and what it removes. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { certificateFileNames, installCertificates, thumbprintOfFile } from "../../../agent/certificates.js";
import type { NodeCertificate } from "../../../protocol/agent.js";
import { makeCertificate, opensslThumbprint, PFX_PASSWORD } from "../../testCertificates.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "openbatch-agentcerts-"));
const made = makeCertificate(dir, "agent");
const thumbprint = opensslThumbprint(made.pem);

const mode = (file: string) => (fs.statSync(file).mode & 0o777).toString(8);

describe("certificate file names", () => {
  it("follow Azure's Linux layout: sha1-<thumbprint> with one extension per role", () => {
    expect(certificateFileNames("ab".repeat(20))).toEqual({
      cer: `sha1-${"ab".repeat(20)}.cer`,
      pem: `sha1-${"ab".repeat(20)}.pem`,
      pfx: `sha1-${"ab".repeat(20)}.pfx`,
      password: `sha1-${"ab".repeat(20)}.pfx.pw`,
      key: `sha1-${"ab".repeat(20)}.key`,
    });
  });

  it("are recognised back, and nothing else is", () => {
    for (const name of Object.values(certificateFileNames("ab".repeat(20))))
      expect(thumbprintOfFile(name)).toBe("ab".repeat(20));
    for (const name of [
      "sha1-ab.cer",
      `sha1-${"ab".repeat(20)}.txt`,
      "notes.cer",
      `sha1-${"AB".repeat(20)}.cer`,
    ])
      expect(thumbprintOfFile(name)).toBeUndefined();
  });
});

describe("installCertificates", () => {
  const pfx: NodeCertificate = {
    thumbprint,
    thumbprintAlgorithm: "sha1",
    certificateFormat: "pfx",
    data: fs.readFileSync(made.pfx).toString("base64"),
    password: PFX_PASSWORD,
  };

  it("writes a pfx's files with private ones 0600 in a 0700 directory, and removes other certificates' files", async () => {
    const target = path.join(dir, "node1", "certs");
    fs.mkdirSync(target, { recursive: true, mode: 0o755 });
    const stale = path.join(target, `sha1-${"cd".repeat(20)}.key`);
    const unrelated = path.join(target, "README");
    fs.writeFileSync(stale, "old");
    fs.writeFileSync(unrelated, "kept");

    expect(await installCertificates(target, [pfx])).toEqual([]);

    const names = certificateFileNames(thumbprint);
    expect(mode(target)).toBe("700");
    expect(fs.readdirSync(target).sort()).toEqual([...Object.values(names), "README"].sort());
    expect(mode(path.join(target, names.pfx))).toBe("600");
    expect(mode(path.join(target, names.password))).toBe("600");
    expect(mode(path.join(target, names.key))).toBe("600");
    expect(mode(path.join(target, names.cer))).toBe("644");
    expect(mode(path.join(target, names.pem))).toBe("644");
    expect(fs.readFileSync(path.join(target, names.password), "utf8")).toBe(PFX_PASSWORD);
    expect(fs.readFileSync(path.join(target, names.cer))).toEqual(fs.readFileSync(made.cer));
    expect(fs.existsSync(stale)).toBe(false);
    expect(fs.existsSync(unrelated)).toBe(true);
  });

  it("reports a certificate it cannot install and installs the others", async () => {
    const target = path.join(dir, "node2", "certs");
    const broken: NodeCertificate = { ...pfx, thumbprint: "ef".repeat(20), password: "wrong" };
    const cer: NodeCertificate = {
      thumbprint,
      thumbprintAlgorithm: "sha1",
      certificateFormat: "cer",
      data: fs.readFileSync(made.cer).toString("base64"),
    };
    const failures = await installCertificates(target, [broken, cer]);
    expect(failures).toEqual([{ thumbprint: "ef".repeat(20), message: expect.stringContaining("password") }]);
    expect(fs.readFileSync(path.join(target, certificateFileNames(thumbprint).pem), "utf8")).toBe(
      fs.readFileSync(made.pem, "utf8"),
    );
  });
});
