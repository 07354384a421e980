/**
 * The official `@azure/batch` 10.2.0 client, unchanged, on certificates: add (pfx and cer), list,
 * get, a pool that references them, the delete refused while it does, cancel, delete.
 */
import fs from "node:fs";
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { beforeAll, describe, expect, it } from "vitest";
import { serviceForSuite, waitFor } from "../integration/harness.js";
import { makeCertificate, opensslThumbprint, PFX_PASSWORD } from "../testCertificates.js";

describe("@azure/batch client: certificates", () => {
  const suite = serviceForSuite("azsdkcert");
  let batch: BatchServiceClient;

  beforeAll(() => {
    const { accountName, accountKey, endpoint } = suite.service;
    batch = new BatchServiceClient(new BatchSharedKeyCredentials(accountName, accountKey), endpoint);
  });

  it("adds, lists, gets and deletes certificates", async () => {
    const made = makeCertificate(suite.dataDir, "sdk");
    const other = makeCertificate(suite.dataDir, "sdkcer");
    const thumbprint = opensslThumbprint(made.pem);
    const cerThumbprint = opensslThumbprint(other.pem);
    await batch.certificate.add({
      thumbprint: thumbprint.toUpperCase(),
      thumbprintAlgorithm: "sha1",
      data: fs.readFileSync(made.pfx).toString("base64"),
      certificateFormat: "pfx",
      password: PFX_PASSWORD,
    });
    await batch.certificate.add({
      thumbprint: cerThumbprint,
      thumbprintAlgorithm: "sha1",
      data: fs.readFileSync(other.cer).toString("base64"),
      certificateFormat: "cer",
    });

    const listed = await batch.certificate.list({ certificateListOptions: { filter: "state eq 'active'" } });
    expect(listed.map((c) => c.thumbprint).sort()).toEqual([cerThumbprint, thumbprint].sort());
    const got = await batch.certificate.get("sha1", thumbprint);
    expect(got).toMatchObject({ thumbprint, thumbprintAlgorithm: "sha1", state: "active" });
    expect(Buffer.from(got.publicData!, "base64").equals(fs.readFileSync(made.cer))).toBe(true);
    expect(got.stateTransitionTime).toBeInstanceOf(Date);

    await batch.pool.add({
      id: "sdkcertpool",
      vmSize: "standard_d2s_v3",
      certificateReferences: [
        {
          thumbprint,
          thumbprintAlgorithm: "sha1",
          storeLocation: "currentuser",
          visibility: ["task", "starttask"],
        },
      ],
    });
    expect((await batch.pool.get("sdkcertpool")).certificateReferences?.[0]?.thumbprint).toBe(thumbprint);
    await expect(batch.certificate.deleteMethod("sha1", thumbprint)).rejects.toMatchObject({
      statusCode: 409,
      code: "PoolsReferencingCertificate",
    });
    await expect(batch.certificate.cancelDeletion("sha1", thumbprint)).rejects.toMatchObject({
      code: "CertificateStateActive",
    });

    await batch.pool.deleteMethod("sdkcertpool");
    await waitFor("the pool to be gone", async () => !(await batch.pool.exists("sdkcertpool")).body);
    await batch.certificate.deleteMethod("sha1", thumbprint);
    await batch.certificate.deleteMethod("sha1", cerThumbprint);
    await expect(batch.certificate.get("sha1", thumbprint)).rejects.toMatchObject({
      statusCode: 404,
      code: "CertificateNotFound",
    });
    expect(await batch.certificate.list()).toHaveLength(0);
  });
});
