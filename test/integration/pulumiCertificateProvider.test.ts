/**
 * The Certificate dynamic provider's CRUD called directly against a real service: check computes the
 * thumbprint (pfx through openssl, cer in process) and names wrong passwords and thumbprints; create;
 * a connection change in place; replace; a delete refused while a pool references it; refresh after an
 * out-of-band delete; import (public part only); delete waits until gone.
 */
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import type { CertificateInputs, CertificateOutputs } from "../../provider/dynamic/certificate.js";
import { provider } from "../../provider/dynamic/certificateProvider.js";
import { makeCertificate, opensslThumbprint, PFX_PASSWORD } from "../testCertificates.js";
import { serviceForSuite } from "./harness.js";

describe("Certificate provider against a real service", () => {
  const suite = serviceForSuite("pulumi-cert");
  const connection = () => ({
    endpoint: suite.service.endpoint,
    accountName: suite.service.accountName,
    accountKey: suite.service.accountKey,
  });
  const files = () => makeCertificate(suite.service.dataDir, "cert");
  let made: ReturnType<typeof files>;
  const base64 = (file: string) => fs.readFileSync(file).toString("base64");
  const declared = (changes: Partial<CertificateInputs> = {}) =>
    ({ ...connection(), data: base64(made.pfx), password: PFX_PASSWORD, ...changes }) as CertificateInputs;
  let outputs: CertificateOutputs;

  async function checked(news: CertificateInputs): Promise<CertificateInputs> {
    const result = await provider.check({} as CertificateInputs, news);
    expect(result.failures).toEqual([]);
    return result.inputs!;
  }

  it("computes the thumbprint in check, and names a wrong password or thumbprint without quoting secrets", async () => {
    made = files();
    const inputs = await checked(declared());
    expect(inputs.thumbprint).toBe(opensslThumbprint(made.pem));
    expect(inputs.certificateFormat).toBe("pfx");
    const cer = await checked(
      declared({ data: base64(made.cer), password: undefined, certificateFormat: "cer" }),
    );
    expect(cer.thumbprint).toBe(inputs.thumbprint);
    const wrong = await provider.check({} as CertificateInputs, declared({ password: "not-it" }));
    expect(wrong.failures).toEqual([
      {
        property: "password",
        reason:
          "the password does not open the pfx: give data as the base64 of the pfx file and the password it was exported with.",
      },
    ]);
    const mismatch = await provider.check({} as CertificateInputs, declared({ thumbprint: "AB".repeat(20) }));
    expect(mismatch.failures![0]!.reason).toContain(
      `does not match the data's SHA-1 thumbprint ${inputs.thumbprint}`,
    );
    expect(JSON.stringify([wrong, mismatch].map((r) => r.failures))).not.toContain(PFX_PASSWORD);
    // At a preview, data that is another resource's output is not known yet: no thumbprint, no failure.
    const preview = await provider.check(
      {} as CertificateInputs,
      declared({ data: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }),
    );
    expect([preview.failures, preview.inputs!.thumbprint]).toEqual([[], undefined]);
  });

  it("creates the certificate with its thumbprint as the id", async () => {
    const created = await provider.create(await checked(declared()));
    outputs = created.outs!;
    expect(created.id).toBe(opensslThumbprint(made.pem));
    expect(outputs.thumbprintAlgorithm).toBe("sha1");
    expect(Buffer.from(outputs.publicData, "base64")).toEqual(fs.readFileSync(made.cer));
  });

  it("updates only the connection in place; a new password for the same pfx replaces, deleting first", async () => {
    const sameKey = await checked(declared({ endpoint: `${suite.service.endpoint}/` }));
    expect(await provider.diff(outputs.thumbprint, outputs, sameKey)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    const cer = await checked(
      declared({ data: base64(made.cer), password: undefined, certificateFormat: "cer" }),
    );
    expect(await provider.diff(outputs.thumbprint, outputs, cer)).toEqual({
      changes: true,
      replaces: ["data", "password", "certificateFormat"],
      deleteBeforeReplace: true,
    });
    await provider.delete(outputs.thumbprint, outputs);
    outputs = (await provider.create(cer)).outs!;
    expect((await suite.service.client.certificates.get(outputs.thumbprint)).state).toBe("active");
  });

  it("a new certificate replaces without deleting first (its id differs)", async () => {
    const other = makeCertificate(suite.service.dataDir, "other");
    const news = await checked(declared({ data: base64(other.pfx) }));
    const diff = await provider.diff(outputs.thumbprint, outputs, news);
    expect(diff.replaces).toContain("thumbprint");
    expect(diff.deleteBeforeReplace).toBe(false);
    const created = (await provider.create(news)).outs!;
    await provider.delete(outputs.thumbprint, outputs);
    outputs = created;
  });

  it("refuses to delete a certificate a pool references, with the service's error", async () => {
    await suite.service.client.pools.add({
      id: "withcert",
      vmSize: "standard_d2s_v3",
      certificateReferences: [{ thumbprint: outputs.thumbprint, thumbprintAlgorithm: "sha1" }],
    });
    await expect(provider.delete(outputs.thumbprint, outputs)).rejects.toThrow(
      /referenced by pools and cannot be deleted/,
    );
    await suite.service.client.pools.delete("withcert");
  });

  it("refresh matches the service (no drift), import reads the public part, and the delete waits until gone", async () => {
    const refreshed = await provider.read(outputs.thumbprint, outputs);
    expect(refreshed.id).toBe(outputs.thumbprint);
    expect(await provider.diff(outputs.thumbprint, refreshed.props, refreshed.inputs)).toMatchObject({
      changes: false,
    });
    const imported = await provider.read(outputs.thumbprint, connection() as CertificateOutputs);
    expect(imported.props).toMatchObject({ thumbprint: outputs.thumbprint, publicData: outputs.publicData });
    expect(imported.props.data).toBeUndefined();
    // The program declaring the same certificate shows no change against the imported state.
    const program = await checked(declared({ data: outputs.data }));
    expect(await provider.diff(outputs.thumbprint, imported.props, program)).toMatchObject({
      changes: false,
    });
    // The pool referencing it is still being deleted: the certificate waits in `deleting` until it is gone.
    await provider.delete(outputs.thumbprint, imported.props);
    expect(await suite.service.client.pools.exists("withcert")).toBe(false);
    expect((await provider.read(outputs.thumbprint, outputs)).id).toBeUndefined();
  });

  it("refresh drops a certificate deleted out of band", async () => {
    outputs = (await provider.create(await checked(declared()))).outs!;
    await suite.service.client.certificates.delete(outputs.thumbprint);
    expect((await provider.read(outputs.thumbprint, outputs)).id).toBeUndefined();
  });
});
