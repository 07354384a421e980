/**
 * A task's resourceFiles with real agents and real servers: a plain httpUrl (a node:http server), an
 * Azure Blob container URL (Azurite) with blobPrefix and filePath, and the account's own file store
 * (autoStorageContainerName); fileMode makes a downloaded script executable; a download that fails
 * completes the task as failed, naming the URL, without running its command — on every retry.
 */
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { BatchClient } from "../../client/index.js";
import { completedTask, serviceForSuite } from "./harness.js";
import { azuriteForSuite, httpFilesForSuite } from "./storageServers.js";

const JOB = "files-in";

async function stdout(client: BatchClient, taskId: string): Promise<string> {
  return Buffer.from(await client.tasks.getFile(JOB, taskId, "stdout.txt")).toString();
}

describe("resource files", () => {
  const suite = serviceForSuite("resfiles");
  const azurite = azuriteForSuite();
  const web = httpFilesForSuite({ "/tools/run.sh": "#!/bin/sh\necho script ran with $1\n" });

  beforeAll(async () => {
    const { client } = suite.service;
    await client.pools.add({ id: "rp", vmSize: "small", targetDedicatedNodes: 1, taskSlotsPerNode: 4 });
    await client.jobs.add({ id: JOB, poolInfo: { poolId: "rp" } });
  });

  it("downloads an httpUrl to filePath with its fileMode, so the script runs", async () => {
    const { client } = suite.service;
    await client.tasks.add(JOB, {
      id: "http",
      commandLine: "bin/run.sh hello",
      resourceFiles: [{ httpUrl: `${web.url}/tools/run.sh`, filePath: "bin/run.sh", fileMode: "0755" }],
    });
    const task = await completedTask(client, JOB, "http");
    expect(task.executionInfo?.result).toBe("success");
    expect(await stdout(client, "http")).toBe("script ran with hello\n");
    expect(task.resourceFiles).toEqual([
      { httpUrl: `${web.url}/tools/run.sh`, filePath: "bin/run.sh", fileMode: "0755" },
    ]);
  });

  it("downloads every blob under blobPrefix from an Azure container URL, under filePath", async () => {
    const { client } = suite.service;
    await azurite.server.createContainer("inputs", {
      "data/a.txt": "alpha\n",
      "data/deep/b.txt": "beta\n",
      "other/c.txt": "gamma\n",
    });
    await client.tasks.add(JOB, {
      id: "azure",
      commandLine: "/bin/sh -c 'find . -type f | sort; cat in/data/a.txt in/data/deep/b.txt'",
      resourceFiles: [
        {
          storageContainerUrl: azurite.server.containerUrl("inputs", "rl"),
          blobPrefix: "data/",
          filePath: "in",
        },
      ],
    });
    const task = await completedTask(client, JOB, "azure");
    expect(task.executionInfo?.result).toBe("success");
    expect(await stdout(client, "azure")).toBe("./in/data/a.txt\n./in/data/deep/b.txt\nalpha\nbeta\n");
  });

  it("downloads a container of the account's file store by autoStorageContainerName", async () => {
    const { client } = suite.service;
    await client.storage.upload("refdata", "genome/chr1.txt", "ACGT\n");
    await client.storage.upload("refdata", "readme.txt", "read me\n");
    await client.tasks.add(JOB, {
      id: "store",
      commandLine: "/bin/sh -c 'find . -type f | sort; cat genome/chr1.txt'",
      resourceFiles: [{ autoStorageContainerName: "refdata" }],
    });
    const task = await completedTask(client, JOB, "store");
    expect(task.executionInfo?.result).toBe("success");
    expect(await stdout(client, "store")).toBe("./genome/chr1.txt\n./readme.txt\nACGT\n");
  });

  it("fails a task whose download fails, naming the URL, without running its command, on every retry", async () => {
    const { client } = suite.service;
    const marker = path.join(suite.dataDir, "command-ran");
    const url = `${web.url}/no/such/file.txt`;
    await client.tasks.add(JOB, {
      id: "missing",
      commandLine: `/usr/bin/touch ${marker}`,
      constraints: { maxTaskRetryCount: 1 },
      resourceFiles: [{ httpUrl: url, filePath: "file.txt" }],
    });
    const task = await completedTask(client, JOB, "missing");
    expect(task.executionInfo).toMatchObject({
      result: "failure",
      retryCount: 1,
      failureInfo: { category: "usererror", code: "BlobNotFound" },
    });
    expect(task.executionInfo?.exitCode).toBeUndefined();
    expect(task.executionInfo?.failureInfo?.message).toContain(url);
    expect(task.executionInfo?.failureInfo?.message).toContain("404");
    expect(web.requests.get("/no/such/file.txt")).toBe(2);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it("fails a task whose container URL's token does not grant listing", async () => {
    const { client } = suite.service;
    await client.tasks.add(JOB, {
      id: "denied",
      commandLine: "/bin/true",
      resourceFiles: [{ storageContainerUrl: azurite.server.containerUrl("inputs", "r") }],
    });
    const task = await completedTask(client, JOB, "denied");
    expect(task.executionInfo?.failureInfo?.code).toBe("BlobAccessDenied");
    expect(task.executionInfo?.failureInfo?.message).toContain(`${azurite.server.endpoint}/inputs`);
    expect(task.executionInfo?.failureInfo?.message).not.toContain("sig=");
  });

  it("refuses, when the task is added, resource files that name no source or leave the working directory", async () => {
    const { client } = suite.service;
    const add = (resourceFiles: object[]) =>
      client.tasks.add(JOB, { id: "bad", commandLine: "/bin/true", resourceFiles }).catch((e: unknown) => e);
    await expect(add([{ filePath: "x" }])).resolves.toMatchObject({ code: "InvalidPropertyValue" });
    await expect(add([{ httpUrl: `${web.url}/x`, filePath: "../x" }])).resolves.toMatchObject({
      code: "InvalidPropertyValue",
      values: expect.arrayContaining([{ key: "PropertyName", value: "resourceFiles[0].filePath" }]),
    });
    await expect(add([{ httpUrl: `${web.url}/x` }])).resolves.toMatchObject({
      code: "MissingRequiredProperty",
    });
    await expect(add([{ autoStorageContainerName: "Not_A_Container" }])).resolves.toMatchObject({
      code: "InvalidPropertyValue",
    });
  });
});
