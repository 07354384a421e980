/**
 * The official `@azure/batch` 10.2.0 client, unchanged, against the local service: pool, job, tasks,
 * list, get, and a task's stdout.txt; applications (list and get).
 */
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { beforeAll, describe, expect, it } from "vitest";
import { tarGz, zip } from "../archiveFiles.js";
import { serviceForSuite, waitFor } from "../integration/harness.js";

describe("@azure/batch client", () => {
  const suite = serviceForSuite("azsdk");
  let batch: BatchServiceClient;

  beforeAll(() => {
    const { accountName, accountKey, endpoint } = suite.service;
    batch = new BatchServiceClient(new BatchSharedKeyCredentials(accountName, accountKey), endpoint);
  });

  it("creates a pool, a job and tasks, lists and gets them, and reads stdout.txt", async () => {
    await batch.pool.add({
      id: "sdkpool",
      vmSize: "standard_d2s_v3",
      virtualMachineConfiguration: {
        imageReference: { publisher: "canonical", offer: "0001-com-ubuntu-server-jammy", sku: "22_04-lts" },
        nodeAgentSKUId: "batch.node.ubuntu 22.04",
      },
      targetDedicatedNodes: 1,
    });
    const pool = await batch.pool.get("sdkpool");
    expect(pool.vmSize).toBe("standard_d2s_v3");
    expect(pool.virtualMachineConfiguration?.nodeAgentSKUId).toBe("batch.node.ubuntu 22.04");

    await batch.job.add({ id: "sdkjob", poolInfo: { poolId: "sdkpool" }, priority: 10 });
    await batch.task.add("sdkjob", {
      id: "hello",
      commandLine: '/bin/sh -c "echo hello from $AZ_BATCH_TASK_ID; echo percent > 100%41.txt"',
    });
    const collection = await batch.task.addCollection("sdkjob", [
      { id: "c1", commandLine: "/bin/echo one" },
      { id: "c2", commandLine: "/bin/echo two" },
    ]);
    expect(collection.value?.map((r) => r.status)).toEqual(["success", "success"]);

    const pools = await batch.pool.list();
    expect(pools.map((p) => p.id)).toContain("sdkpool");
    const jobs = await batch.job.list({ jobListOptions: { filter: "state eq 'active'" } });
    expect(jobs.map((j) => j.id)).toEqual(["sdkjob"]);

    await waitFor(
      "the task to complete",
      async () => (await batch.task.get("sdkjob", "hello")).state === "completed",
    );
    const task = await batch.task.get("sdkjob", "hello");
    expect(task.executionInfo?.exitCode).toBe(0);
    const counts = (await batch.job.getTaskCounts("sdkjob")).taskCounts;
    expect(counts.active + counts.running + counts.completed).toBe(3);
    expect(counts.failed).toBe(0);
    const tasks = await batch.task.list("sdkjob");
    expect(tasks.map((t) => t.id).sort()).toEqual(["c1", "c2", "hello"]);

    const file = await batch.file.getFromTask("sdkjob", "hello", "stdout.txt");
    const chunks: Buffer[] = [];
    for await (const chunk of file.readableStreamBody as AsyncIterable<Buffer>)
      chunks.push(Buffer.from(chunk));
    const text = Buffer.concat(chunks).toString();
    expect(text).toBe("hello from hello\n");

    // A name with "%41" in it (not "A"): the path is %-encoded once by the client and decoded once by the service.
    const percent = await batch.file.getFromTask("sdkjob", "hello", "wd/100%41.txt");
    const percentChunks: Buffer[] = [];
    for await (const chunk of percent.readableStreamBody as AsyncIterable<Buffer>)
      percentChunks.push(Buffer.from(chunk));
    expect(Buffer.concat(percentChunks).toString()).toBe("percent\n");

    const nodes = await batch.computeNode.list("sdkpool");
    expect(nodes).toHaveLength(1);

    await batch.job.deleteMethod("sdkjob");
    await batch.pool.deleteMethod("sdkpool");
    await waitFor("the pool to be gone", async () => !(await batch.pool.exists("sdkpool")).body);
  });

  it("lists and gets applications (ApplicationSummary) uploaded through the OpenBatch client", async () => {
    const { client } = suite.service;
    await client.applications.create("sdkapp", { displayName: "SDK app" });
    await client.applications.uploadVersion("sdkapp", "1.0", tarGz([{ path: "a.txt", content: "a" }]));
    await client.applications.uploadVersion("sdkapp", "2.0", zip([{ path: "a.txt", content: "a" }]));
    const listed = await batch.application.list();
    expect(listed.map((a) => ({ id: a.id, displayName: a.displayName, versions: a.versions }))).toEqual([
      { id: "sdkapp", displayName: "SDK app", versions: ["1.0", "2.0"] },
    ]);
    const one = await batch.application.get("sdkapp");
    expect(one).toMatchObject({ id: "sdkapp", displayName: "SDK app", versions: ["1.0", "2.0"] });
    await expect(batch.application.get("nope")).rejects.toMatchObject({
      code: "ApplicationNotFound",
      statusCode: 404,
    });
  });
});
