/**
 * `openbatch certificate add|list|show|delete|cancel-delete` and `pool create --certificate` against
 * the real service (in-process): the thumbprint computed from the file, the password from the flag or
 * the environment, tables and `-o json`, and the service's refusals as exit code 1.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PASSWORD_VARIABLE } from "../../../cli/commands/certificate.js";
import { makeCertificate, opensslThumbprint, PFX_PASSWORD } from "../../testCertificates.js";
import { type ApiService, startApi } from "../api/apiHarness.js";
import { type CliRun, credentialsEnv, runCli } from "./cliHarness.js";

let service: ApiService;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "openbatch-cli-cert-"));
const made = makeCertificate(dir, "cli");
const thumbprint = opensslThumbprint(made.pem);

beforeAll(async () => {
  service = await startApi("clicert");
});
afterAll(async () => {
  await service.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

function openbatch(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return runCli(args, { ...credentialsEnv(service, dir), ...env });
}

describe("openbatch certificate", () => {
  it("adds a pfx with the thumbprint computed from the file, and never shows its secrets", async () => {
    const wrong = await openbatch(["certificate", "add", "--file", made.pfx, "--password", "wrong"]);
    expect(wrong).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("password does not open the pfx"),
    });

    const added = await openbatch(["certificate", "add", "--file", made.pfx], {
      [PASSWORD_VARIABLE]: PFX_PASSWORD,
    });
    expect(added).toMatchObject({ code: 0, stdout: expect.stringContaining(`sha1-${thumbprint} added`) });

    const table = await openbatch(["certificate", "list"]);
    expect(table.stdout.split("\n")[0]).toMatch(/^THUMBPRINT\s+ALGORITHM\s+STATE\s+STATETRANSITIONTIME$/);
    expect(table.stdout).toMatch(new RegExp(`${thumbprint}\\s+sha1\\s+active`));
    const shown = await openbatch(["-o", "json", "certificate", "show", thumbprint.toUpperCase()]);
    expect(JSON.parse(shown.stdout)).toMatchObject({ thumbprint, state: "active" });
    expect(shown.stdout).not.toContain(PFX_PASSWORD);
  });

  it("refuses a cer whose stated thumbprint is not the file's", async () => {
    const refused = await openbatch([
      "certificate",
      "add",
      "--file",
      made.cer,
      "--thumbprint",
      "00".repeat(20),
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: InvalidPropertyValue: .*The value of 'thumbprint' is not valid/);
    expect(refused.stderr).toContain(`thumbprint is ${thumbprint}`);
  });

  it("creates a pool that references it, refuses to delete it while the pool exists, then deletes it", async () => {
    const created = await openbatch([
      "pool",
      "create",
      "cp",
      "--vm-size",
      "small",
      "--certificate",
      thumbprint,
    ]);
    expect(created.code).toBe(0);
    const pool = JSON.parse((await openbatch(["-o", "json", "pool", "show", "cp"])).stdout);
    expect(pool.certificateReferences).toEqual([{ thumbprint, thumbprintAlgorithm: "sha1" }]);

    const refused = await openbatch(["certificate", "delete", thumbprint]);
    expect(refused).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^error: PoolsReferencingCertificate: .*pool cp/),
    });
    expect((await openbatch(["certificate", "cancel-delete", thumbprint])).stderr).toContain(
      "CertificateStateActive",
    );
    expect((await openbatch(["pool", "delete", "cp", "--wait"])).code).toBe(0);
    expect(await openbatch(["certificate", "delete", thumbprint])).toMatchObject({ code: 0 });
    expect((await openbatch(["certificate", "show", thumbprint])).stderr).toContain("CertificateNotFound");
  });
});
