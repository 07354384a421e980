/**
 * Certificates with real agents: a pfx (with its password) and a cer made by `openssl` are added,
 * a pool of 2 nodes references both, and a task on each node checks what the agent installed in
 * $AZ_BATCH_CERTIFICATES_DIR — the files, their modes, and that the private key goes with the
 * certificate. Wrong passwords and thumbprints are refused, a certificate in use cannot be deleted,
 * and no response ever carries a certificate's data or password.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BatchRequestError, certificateFromFile, collect } from "../../client/index.js";
import { makeCertificate, PFX_PASSWORD as PASSWORD } from "../testCertificates.js";
import { completedTask, serviceForSuite, waitFor } from "./harness.js";

async function refusal(promise: Promise<unknown>): Promise<BatchRequestError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BatchRequestError);
  return error as BatchRequestError;
}

/** Lists the certificates directory with each file's mode, and compares the key's and certificate's moduli. */
const CHECK_SCRIPT = [
  'cd "$AZ_BATCH_CERTIFICATES_DIR"',
  'echo "dir $(stat -c %a .)"',
  'for f in *; do echo "file $f $(stat -c %a "$f")"; done',
  'for k in *.key; do c="$(basename "$k" .key).pem"; if [ "$(openssl rsa -noout -modulus -in "$k")" = "$(openssl x509 -noout -modulus -in "$c")" ]; then echo "match $k"; else echo "MISMATCH $k"; fi; done',
  'for p in *.pfx; do openssl pkcs12 -in "$p" -passin file:"$p.pw" -nokeys -clcerts 2>/dev/null | openssl x509 -noout -fingerprint -sha1 | sed "s/^/pfx /"; done',
].join("; ");

describe("certificates", () => {
  const suite = serviceForSuite("certificates");

  it("installs a pool's pfx and cer certificates on every node before its tasks run", async () => {
    const { client, dataDir } = suite.service;
    const made = makeCertificate(dataDir, "app");
    const ca = makeCertificate(dataDir, "ca");
    const pfxBody = await certificateFromFile(made.pfx, { password: PASSWORD });
    const cerBody = await certificateFromFile(ca.cer);
    expect(pfxBody.certificateFormat).toBe("pfx");
    expect(cerBody.certificateFormat).toBe("cer");

    // A wrong password and a wrong thumbprint are refused, naming the property and what to do.
    const wrongPassword = await refusal(client.certificates.add({ ...pfxBody, password: "nope" }));
    expect(wrongPassword.code).toBe("InvalidPropertyValue");
    expect(wrongPassword.message).toMatch(/'password'.*does not open the pfx/);
    expect(JSON.stringify(wrongPassword.values)).not.toContain("nope");
    const wrongThumbprint = await refusal(
      client.certificates.add({ ...cerBody, thumbprint: pfxBody.thumbprint }),
    );
    expect(wrongThumbprint.code).toBe("InvalidPropertyValue");
    expect(wrongThumbprint.message).toContain(`thumbprint is ${cerBody.thumbprint}`);

    await client.certificates.add(pfxBody);
    await client.certificates.add(cerBody);
    expect((await refusal(client.certificates.add(cerBody))).code).toBe("CertificateExists");

    // Only the public part comes back: never the data or the password.
    const listed = await collect(client.certificates.list());
    expect(listed.map((c) => c.thumbprint).sort()).toEqual([cerBody.thumbprint, pfxBody.thumbprint].sort());
    const shown = await client.certificates.get(pfxBody.thumbprint);
    expect(shown).toMatchObject({ thumbprintAlgorithm: "sha1", state: "active" });
    const publicCer = Buffer.from(shown.publicData, "base64");
    expect(publicCer.equals(fs.readFileSync(path.join(dataDir, "app.cer")))).toBe(true);
    const everything = JSON.stringify([listed, shown]);
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(pfxBody.data.slice(0, 40));
    expect(everything).not.toMatch(/"(data|password)"/);

    const unknown = await refusal(
      client.pools.add({
        id: "nocert",
        vmSize: "small",
        certificateReferences: [{ thumbprint: "ab".repeat(20), thumbprintAlgorithm: "sha1" }],
      }),
    );
    expect(unknown.code).toBe("InvalidCertificateReferences");
    expect(unknown.message).toContain(`sha1-${"ab".repeat(20)}`);

    await client.pools.add({
      id: "certpool",
      vmSize: "small",
      targetDedicatedNodes: 2,
      certificateReferences: [
        { thumbprint: pfxBody.thumbprint.toUpperCase(), thumbprintAlgorithm: "SHA1", visibility: ["task"] },
        { thumbprint: cerBody.thumbprint, thumbprintAlgorithm: "sha1" },
      ],
      // The start task too runs after the installation: it sees the files.
      startTask: { commandLine: '/bin/sh -c "ls $AZ_BATCH_CERTIFICATES_DIR"', waitForSuccess: true },
    });
    expect((await client.pools.get("certpool")).certificateReferences).toHaveLength(2);
    const nodes = await waitFor("both nodes idle", async () => {
      const all = await collect(client.nodes.list("certpool"));
      return all.length === 2 && all.every((n) => n.state === "idle") && all;
    });
    await client.jobs.add({ id: "certjob", poolInfo: { poolId: "certpool" } });
    // One slot per node and a task per node that waits until both run: each node runs one.
    const barrier = path.join(dataDir, "barrier");
    fs.mkdirSync(barrier);
    for (const i of [1, 2]) {
      await client.tasks.add("certjob", {
        id: `check${i}`,
        commandLine: `/bin/sh -c 'touch ${barrier}/${i}; while [ $(ls ${barrier} | wc -l) -lt 2 ]; do sleep 0.05; done; ${CHECK_SCRIPT.replaceAll("'", "'\\''")}'`,
      });
    }
    const pfxFiles = ["cer", "key", "pem", "pfx", "pfx.pw"].map((ext) => `sha1-${pfxBody.thumbprint}.${ext}`);
    const cerFiles = ["cer", "pem"].map((ext) => `sha1-${cerBody.thumbprint}.${ext}`);
    const ranOn = new Set<string>();
    for (const i of [1, 2]) {
      const task = await completedTask(client, "certjob", `check${i}`);
      expect(task.executionInfo?.exitCode).toBe(0);
      ranOn.add(task.nodeInfo!.nodeId!);
      const lines = (await client.tasks.getFileText("certjob", `check${i}`, "stdout.txt")).trim().split("\n");
      const modes = Object.fromEntries(
        lines.filter((l) => l.startsWith("file ")).map((l) => l.split(" ").slice(1) as [string, string]),
      );
      expect(Object.keys(modes).sort()).toEqual([...pfxFiles, ...cerFiles].sort());
      for (const name of Object.keys(modes))
        expect([name, modes[name]]).toEqual([name, /\.(key|pfx|pw)$/.test(name) ? "600" : "644"]);
      expect(lines).toContain("dir 700");
      expect(lines).toContain(`match sha1-${pfxBody.thumbprint}.key`);
      const fingerprint = lines.find((l) => l.startsWith("pfx "))!;
      expect(fingerprint.replace(/^.*=/, "").replaceAll(":", "").toLowerCase()).toBe(pfxBody.thumbprint);
    }
    expect([...ranOn].sort()).toEqual(nodes.map((n) => n.id).sort());
    for (const node of nodes) {
      const startOutput = await client.nodes.getFileText("certpool", node.id, "startup/stdout.txt");
      expect(startOutput).toContain(`sha1-${pfxBody.thumbprint}.key`);
    }

    // In use: refused with the pools named; once the pool is gone, the delete goes through.
    const inUse = await refusal(client.certificates.delete(pfxBody.thumbprint));
    expect(inUse.code).toBe("PoolsReferencingCertificate");
    expect(inUse.status).toBe(409);
    expect(inUse.message).toContain("certpool");
    expect((await client.certificates.get(pfxBody.thumbprint)).state).toBe("active");
    expect((await refusal(client.certificates.cancelDeletion(pfxBody.thumbprint))).code).toBe(
      "CertificateStateActive",
    );

    await client.pools.delete("certpool");
    // The pool's nodes are still leaving: the certificate waits in `deleting`, and a cancel keeps it.
    await client.certificates.delete(cerBody.thumbprint);
    const waiting = await client.certificates.get(cerBody.thumbprint).catch(() => undefined);
    if (waiting) {
      expect(waiting.state).toBe("deleting");
      expect((await refusal(client.certificates.add(cerBody))).code).toBe("CertificateBeingDeleted");
    }
    await client.certificates.delete(pfxBody.thumbprint);
    await waitFor("the pool and both certificates to be gone", async () => {
      const left = await collect(client.certificates.list());
      return left.length === 0 && !(await client.pools.exists("certpool"));
    });
    expect((await refusal(client.certificates.get(pfxBody.thumbprint))).code).toBe("CertificateNotFound");
  });

  it("installs them on nodes that join later and again after a reboot; a node that cannot install one is unusable", async () => {
    const { client, dataDir } = suite.service;
    const late = makeCertificate(dataDir, "late");
    const body = await certificateFromFile(late.cer);
    await client.certificates.add(body);
    await client.pools.add({
      id: "latepool",
      vmSize: "small",
      targetDedicatedNodes: 1,
      certificateReferences: [{ thumbprint: body.thumbprint, thumbprintAlgorithm: "sha1" }],
    });
    const idleNodes = (count: number) =>
      waitFor(`${count} idle nodes`, async () => {
        const all = await collect(client.nodes.list("latepool"));
        return all.length === count && all.every((n) => n.state === "idle") && all;
      });
    const [first] = await idleNodes(1);
    await client.pools.resize("latepool", { targetDedicatedNodes: 2 });
    const both = await idleNodes(2);
    const certsOf = (nodeId: string) => path.join(dataDir, "nodes", "latepool", nodeId, "certs");
    const cerName = `sha1-${body.thumbprint}.cer`;
    for (const node of both)
      expect(fs.readFileSync(path.join(certsOf(node.id), cerName))).toEqual(fs.readFileSync(late.cer));

    // A reboot installs them again (here: the file removed behind the agent's back comes back).
    fs.rmSync(path.join(certsOf(first!.id), cerName));
    const rebooted = async () => {
      const booted = (await client.nodes.get("latepool", first!.id)).lastBootTime;
      await client.nodes.reboot("latepool", first!.id);
      return waitFor("the node to come back from its reboot", async () => {
        const node = await client.nodes.get("latepool", first!.id);
        return node.lastBootTime !== booted && (node.state === "idle" || node.state === "unusable") && node;
      });
    };
    expect((await rebooted()).state).toBe("idle");
    expect(fs.existsSync(path.join(certsOf(first!.id), cerName))).toBe(true);

    // A file that cannot be written (a directory in its place) fails the installation: the node is
    // unusable, says why in its errors, and gets no tasks.
    const blocked = path.join(certsOf(first!.id), cerName);
    fs.rmSync(blocked);
    fs.mkdirSync(path.join(blocked, "in-the-way"), { recursive: true });
    const unusable = await rebooted();
    expect(unusable.state).toBe("unusable");
    expect(unusable.errors?.[0]?.code).toBe("CertificateInstallationFailed");
    expect(unusable.errors?.[0]?.message).toContain(`sha1-${body.thumbprint}`);
    await client.jobs.add({ id: "latejob", poolInfo: { poolId: "latepool" } });
    for (const i of [1, 2, 3]) await client.tasks.add("latejob", { id: `t${i}`, commandLine: "/bin/true" });
    for (const i of [1, 2, 3]) {
      const task = await completedTask(client, "latejob", `t${i}`);
      expect(task.nodeInfo?.nodeId).not.toBe(first!.id);
    }
    await client.pools.delete("latepool");
  });
});
