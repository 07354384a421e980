/**
 * Application packages with the real service and real agents: a tar.gz (1.0, the default) and a zip
 * (2.0) holding an executable script; a pool that references the application installs it on both its
 * nodes when they join and its tasks run the script through $AZ_BATCH_APP_PACKAGE_tool; a task's own
 * reference to 2.0 installs that one before it runs. Malicious archives are refused at upload, and —
 * planted behind the service's back with their SHA-256 fixed in the database — refused again by the
 * agent, for a task and for a joining node, with nothing written outside the node's folder. A changed
 * archive whose SHA-256 no longer matches is refused; versions and applications in use by a pool
 * cannot be deleted.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import type { BatchClient } from "../../client/index.js";
import { BatchRequestError, certificateFromFile } from "../../client/index.js";
import { type TestEntry, tarGz, zip } from "../archiveFiles.js";
import { makeCertificate } from "../testCertificates.js";
import { completedTask, serviceForSuite, waitFor } from "./harness.js";

const JOB = "apps";

const script = (version: string): TestEntry[] => [
  { path: "bin/", type: "directory" },
  { path: "bin/hello.sh", content: `#!/bin/sh\necho "hello from ${version} $1"\n`, mode: 0o755 },
];

async function stdout(client: BatchClient, taskId: string): Promise<string> {
  return Buffer.from(await client.tasks.getFile(JOB, taskId, "stdout.txt")).toString();
}

async function refusal(promise: Promise<unknown>): Promise<BatchRequestError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BatchRequestError);
  return error as BatchRequestError;
}

/** Every file and directory below `dir`, relative. */
function tree(dir: string): string[] {
  return fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true }) as string[]).sort() : [];
}

describe("application packages", () => {
  const suite = serviceForSuite("apppkgs");
  let outside: string;

  /** Malicious entries that would write into `outside` (a folder beside the nodes' folders). */
  const malicious = (): Record<string, { format: "tar.gz" | "zip"; entries: TestEntry[] }> => ({
    dotdot: {
      format: "tar.gz",
      entries: [{ path: `${"../".repeat(24)}${outside.slice(1)}/dotdot.txt`, content: "pwned" }],
    },
    absolute: { format: "tar.gz", entries: [{ path: `${outside}/absolute.txt`, content: "pwned" }] },
    symlink: {
      format: "tar.gz",
      entries: [
        { path: "out", type: "symlink", linkTarget: outside },
        { path: "out/through-link.txt", content: "pwned" },
      ],
    },
    zipDotdot: {
      format: "zip",
      entries: [{ path: `${"../".repeat(24)}${outside.slice(1)}/zip.txt`, content: "pwned" }],
    },
  });

  /** Replaces a stored archive behind the service's back and records its SHA-256 in the database. */
  function plant(version: string, archive: Buffer, format: "tar.gz" | "zip", fixSha = true): void {
    const { dataDir } = suite;
    for (const ext of ["tar.gz", "zip"])
      fs.rmSync(path.join(dataDir, "applications", "tool", `${version}.${ext}`), { force: true });
    fs.writeFileSync(path.join(dataDir, "applications", "tool", `${version}.${format}`), archive);
    if (!fixSha) return;
    const db = new Database(path.join(dataDir, "account.db"));
    try {
      db.prepare(
        "UPDATE application_packages SET data = json_set(data, '$.sha256', ?, '$.format', ?, '$.size', ?) WHERE application_id = 'tool' AND version = ?",
      ).run(createHash("sha256").update(archive).digest("hex"), format, archive.length, version);
    } finally {
      db.close();
    }
  }

  beforeAll(async () => {
    const { client } = suite.service;
    outside = path.join(suite.dataDir, "outside");
    fs.mkdirSync(outside);
    await client.applications.create("tool", { displayName: "Hello tool" });
    const v1 = await client.applications.uploadVersion("tool", "1.0", tarGz(script("1.0")), {
      format: "tar.gz",
    });
    expect(v1).toMatchObject({ applicationId: "tool", version: "1.0", state: "active", format: "tar.gz" });
    expect(v1.sha256).toBe(
      createHash("sha256")
        .update(tarGz(script("1.0")))
        .digest("hex"),
    );
    // No content type: the service tells a zip by its first bytes.
    const v2 = await client.applications.uploadVersion("tool", "2.0", zip(script("2.0")));
    expect(v2.format).toBe("zip");
    await client.applications.update("tool", { defaultVersion: "1.0" });
    await client.pools.add({
      id: "ap",
      vmSize: "small",
      targetDedicatedNodes: 2,
      applicationPackageReferences: [{ applicationId: "tool" }],
    });
    await client.jobs.add({ id: JOB, poolInfo: { poolId: "ap" } });
  });

  it("lists and gets the application on the data plane", async () => {
    const { client } = suite.service;
    expect(await client.applications.list()).toEqual([
      { id: "tool", displayName: "Hello tool", versions: ["1.0", "2.0"] },
    ]);
    expect(await client.applications.get("tool")).toMatchObject({ id: "tool", versions: ["1.0", "2.0"] });
    expect((await refusal(client.applications.get("nope"))).code).toBe("ApplicationNotFound");
  });

  it("installs the pool's package on every node when it joins, and tasks run it", async () => {
    const { client } = suite.service;
    const nodes = await waitFor("both nodes idle", async () => {
      const list = [];
      for await (const node of client.nodes.list("ap")) list.push(node);
      return list.length === 2 && list.every((n) => n.state === "idle") && list;
    });
    for (const node of nodes) {
      const folder = path.join(suite.dataDir, "nodes", "ap", node.id, "applications", "tool.1.0");
      expect(tree(folder)).toEqual(["bin", "bin/hello.sh"]);
    }
    const command =
      "/bin/sh -c '$AZ_BATCH_APP_PACKAGE_tool/bin/hello.sh $AZ_BATCH_NODE_ID; echo $AZ_BATCH_APP_PACKAGE_tool_1_0'";
    await client.tasks.addCollection(JOB, [
      { id: "pool-a", commandLine: command },
      { id: "pool-b", commandLine: command },
    ]);
    const ran = new Set<string>();
    for (const id of ["pool-a", "pool-b"]) {
      const task = await completedTask(client, JOB, id);
      expect(task.executionInfo?.result).toBe("success");
      const nodeId = task.nodeInfo!.nodeId;
      ran.add(nodeId);
      const root = path.join(suite.dataDir, "nodes", "ap", nodeId);
      expect(await stdout(client, id)).toBe(`hello from 1.0 ${nodeId}\n${root}/applications/tool.1.0\n`);
    }
    expect(ran.size).toBe(2);
  });

  it("installs a task's own reference (2.0, a zip) before its command runs", async () => {
    const { client } = suite.service;
    await client.tasks.add(JOB, {
      id: "task-ref",
      commandLine:
        "/bin/sh -c '$AZ_BATCH_APP_PACKAGE_tool_2_0/bin/hello.sh task; basename $AZ_BATCH_APP_PACKAGE_tool'",
      applicationPackageReferences: [{ applicationId: "tool", version: "2.0" }],
    });
    const task = await completedTask(client, JOB, "task-ref");
    expect(task.executionInfo?.result).toBe("success");
    expect(task.applicationPackageReferences).toEqual([{ applicationId: "tool", version: "2.0" }]);
    expect(await stdout(client, "task-ref")).toBe("hello from 2.0 task\ntool.1.0\n");
  });

  it("refuses malicious archives at upload, keeping nothing", async () => {
    const { client } = suite.service;
    for (const [name, { format, entries }] of Object.entries(malicious())) {
      const bytes = format === "zip" ? zip(entries) : tarGz(entries);
      const error = await refusal(
        client.applications.uploadVersion("tool", `bad-${name}`, bytes, { format }),
      );
      expect(error.status).toBe(400);
      expect(error.code).toBe("InvalidApplicationPackage");
      expect(error.message).toMatch(/unsafe entry/);
    }
    expect((await client.applications.listVersions("tool")).map((v) => v.version)).toEqual(["1.0", "2.0"]);
    expect(tree(path.join(suite.dataDir, "applications"))).toEqual([
      ".incoming",
      "tool",
      "tool/1.0.tar.gz",
      "tool/2.0.zip",
    ]);
    const notAnArchive = await refusal(
      client.applications.uploadVersion("tool", "3.0", Buffer.from("#!/bin/sh\n")),
    );
    expect(notAnArchive.message).toMatch(/neither a gzip-compressed tar file nor a zip file/);
    expect(tree(outside)).toEqual([]);
  });

  it("has the agent refuse malicious archives planted behind the service's back, writing nothing outside", async () => {
    const { client } = suite.service;
    const cases = Object.entries(malicious());
    for (const [name, { format, entries }] of cases) {
      await client.applications.uploadVersion("tool", `planted-${name}`, tarGz(script(name)), {
        format: "tar.gz",
      });
      plant(`planted-${name}`, format === "zip" ? zip(entries) : tarGz(entries), format);
      await client.tasks.add(JOB, {
        id: `planted-${name}`,
        commandLine: "/bin/echo should not run",
        applicationPackageReferences: [{ applicationId: "tool", version: `planted-${name}` }],
      });
    }
    for (const [name] of cases) {
      const task = await completedTask(client, JOB, `planted-${name}`);
      expect(task.executionInfo?.result).toBe("failure");
      expect(task.executionInfo?.failureInfo).toMatchObject({
        category: "usererror",
        code: "ApplicationPackageUnsafe",
      });
      expect(task.executionInfo?.failureInfo?.message).toContain(
        `version planted-${name} of application tool`,
      );
      expect(task.executionInfo?.exitCode).toBeUndefined();
    }
    expect(tree(outside)).toEqual([]);
    for (const node of fs
      .readdirSync(path.join(suite.dataDir, "nodes", "ap"))
      .filter((n) => !n.endsWith(".log")))
      expect(
        tree(path.join(suite.dataDir, "nodes", "ap", node, "applications")).filter(
          (p) => !p.startsWith("tool.1.0") && !p.startsWith("tool.2.0"),
        ),
      ).toEqual([]);
  });

  it("refuses an archive whose SHA-256 is not the uploaded one", async () => {
    const { client } = suite.service;
    await client.applications.uploadVersion("tool", "4.0", tarGz(script("4.0")), { format: "tar.gz" });
    plant("4.0", tarGz(script("4.0-changed")), "tar.gz", false);
    await client.tasks.add(JOB, {
      id: "changed",
      commandLine: "/bin/echo should not run",
      applicationPackageReferences: [{ applicationId: "tool", version: "4.0" }],
    });
    const task = await completedTask(client, JOB, "changed");
    expect(task.executionInfo?.failureInfo).toMatchObject({ code: "ApplicationPackageChecksumMismatch" });
    expect(task.executionInfo?.failureInfo?.message).toMatch(/SHA-256 is [0-9a-f]{64}, not [0-9a-f]{64}/);
  });

  it("makes a joining node unusable when the pool's package is refused", async () => {
    const { client } = suite.service;
    await client.pools.add({
      id: "badpool",
      vmSize: "small",
      targetDedicatedNodes: 1,
      applicationPackageReferences: [{ applicationId: "tool", version: "planted-symlink" }],
    });
    const node = await waitFor("the node to be unusable", async () => {
      for await (const n of client.nodes.list("badpool")) if (n.state === "unusable") return n;
      return undefined;
    });
    expect(node.errors?.[0]).toMatchObject({ code: "ApplicationPackageUnsafe" });
    expect(tree(outside)).toEqual([]);
    await client.pools.delete("badpool");
  });

  it("installs a pool's certificates, then its packages, then runs its start task", async () => {
    const { client, dataDir } = suite.service;
    const cer = await certificateFromFile(makeCertificate(dataDir, "apps").cer);
    await client.certificates.add(cer);
    await client.pools.add({
      id: "certpool",
      vmSize: "small",
      targetDedicatedNodes: 1,
      certificateReferences: [{ thumbprint: cer.thumbprint, thumbprintAlgorithm: "sha1" }],
      applicationPackageReferences: [{ applicationId: "tool", version: "1.0" }],
      startTask: {
        commandLine:
          "/bin/sh -c 'ls $AZ_BATCH_CERTIFICATES_DIR | wc -l; $AZ_BATCH_APP_PACKAGE_tool_1_0/bin/hello.sh start'",
        waitForSuccess: true,
      },
    });
    const node = await waitFor("the node to be idle", async () => {
      for await (const n of client.nodes.list("certpool")) if (n.state === "idle") return n;
      return undefined;
    });
    expect(node.startTaskInfo?.result).toBe("success");
    const out = Buffer.from(await client.nodes.getFile("certpool", node.id, "startup/stdout.txt")).toString();
    expect(out).toMatch(/^[1-9]\d*\nhello from 1\.0 start\n$/);
    await client.pools.delete("certpool");
  });

  it("refuses references that do not resolve, naming them", async () => {
    const { client } = suite.service;
    const error = await refusal(
      client.pools.add({
        id: "nopool",
        vmSize: "small",
        applicationPackageReferences: [
          { applicationId: "missing" },
          { applicationId: "tool", version: "9.9" },
        ],
      }),
    );
    expect(error.status).toBe(409);
    expect(error.code).toBe("InvalidApplicationPackageReferences");
    expect(error.values).toEqual([
      { key: "missing", value: "(default version)" },
      { key: "tool", value: "9.9" },
    ]);
    expect(error.message).toMatch(/upload it \(openbatch application package upload tool 9.9/);
  });

  it("refuses deleting what a pool uses, deletes what no pool uses", async () => {
    const { client } = suite.service;
    const version = await refusal(client.applications.deleteVersion("tool", "1.0"));
    expect(version).toMatchObject({ status: 409, code: "ApplicationPackageInUse" });
    expect(version.message).toContain("pool(s) ap");
    expect((await refusal(client.applications.delete("tool"))).code).toBe("ApplicationPackageInUse");
    await client.applications.deleteVersion("tool", "2.0");
    expect(fs.existsSync(path.join(suite.dataDir, "applications", "tool", "2.0.zip"))).toBe(false);
    expect((await refusal(client.applications.getVersion("tool", "2.0"))).code).toBe(
      "ApplicationPackageNotFound",
    );
  });
});
