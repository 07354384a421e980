/**
 * `uploadbatchservicelogs` with a real agent: its own log files (one per agent start) go whole to an
 * Azure container (Azurite) or the account's file store, under `<pool>/<node>/<id>/`, chosen by the
 * time range; tasks' output is not among them; the official `@azure/batch` client drives it too.
 */
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { describe, expect, it } from "vitest";
import { collect } from "../../client/index.js";
import { completedTask, serviceForSuite, waitFor } from "./harness.js";
import { azuriteForSuite } from "./storageServers.js";

describe("node service logs", () => {
  const suite = serviceForSuite("nodelogs");
  const azurite = azuriteForSuite();

  it("uploads the agent's log files in the time range, to a container or the account's file store", async () => {
    const { client } = suite.service;
    const before = new Date().toISOString();
    await client.pools.add({ id: "lp", vmSize: "small", targetDedicatedNodes: 1 });
    const node = await waitFor("the node to be idle", async () => {
      const [n] = await collect(client.nodes.list("lp"));
      return n?.state === "idle" && n;
    });
    await client.jobs.add({ id: "lj", poolInfo: { poolId: "lp" } });
    await client.tasks.add("lj", { id: "t", commandLine: "/bin/echo task output stays out" });
    await completedTask(client, "lj", "t");
    // A reboot starts a second agent, which writes a second log file.
    const bootTime = node.lastBootTime;
    await client.nodes.reboot("lp", node.id);
    await waitFor("the node to be back from its reboot", async () => {
      const n = await client.nodes.get("lp", node.id);
      return n.state === "idle" && n.lastBootTime !== bootTime;
    });

    // To an Azure container: both files, whole, under the virtual directory.
    await azurite.server.createContainer("logs");
    const result = await client.nodes.uploadBatchServiceLogs("lp", node.id, {
      containerUrl: azurite.server.containerUrl("logs", "w"),
      startTime: before,
    });
    expect(result.virtualDirectoryName).toMatch(new RegExp(`^lp/${node.id}/[0-9a-f-]{36}/$`));
    expect(result.numberOfFilesUploaded).toBe(2);
    const names = await azurite.server.blobNames("logs");
    expect(names).toHaveLength(2);
    for (const name of names) expect(name).toMatch(/\/agent-[0-9T:.Z-]+\.log$/);
    expect(names.every((name) => name.startsWith(result.virtualDirectoryName))).toBe(true);
    const first = await azurite.server.text("logs", names[0]!);
    expect(first).toContain("agent: starting for pool lp");
    expect(first).toContain("agent: stopping");
    expect(first).not.toContain("task output stays out");

    // A range that ends before the node existed holds no file; one from now holds the running agent's.
    const none = await client.nodes.uploadBatchServiceLogs("lp", node.id, {
      containerUrl: azurite.server.containerUrl("logs", "w"),
      startTime: "2020-01-01T00:00:00Z",
      endTime: "2020-01-02T00:00:00Z",
    });
    expect(none.numberOfFilesUploaded).toBe(0);

    // Without containerUrl: the account's own file store, container batch-service-logs.
    const stored = await client.nodes.uploadBatchServiceLogs("lp", node.id, {
      startTime: new Date().toISOString(),
    });
    expect(stored.numberOfFilesUploaded).toBe(1);
    const blobs = await collect(
      client.storage.list("batch-service-logs", { prefix: stored.virtualDirectoryName }),
    );
    expect(blobs).toHaveLength(1);
    const text = (await client.storage.download("batch-service-logs", blobs[0]!.name)).toString();
    expect(text).toContain(`connection: registered as node ${node.id} of pool lp`);

    // Refusals: a container that does not exist, a managed identity, an end before the start.
    const missing = await client.nodes
      .uploadBatchServiceLogs("lp", node.id, {
        containerUrl: azurite.server.containerUrl("never-created", "w"),
        startTime: before,
      })
      .catch((e: { code?: string; message?: string }) => e);
    expect(missing).toMatchObject({ code: "NodeLogUploadFailed" });
    expect(String((missing as Error).message)).toContain("never-created");
    const identity = await client.nodes
      .uploadBatchServiceLogs("lp", node.id, {
        containerUrl: azurite.server.containerUrl("logs", "w"),
        startTime: before,
        identityReference: { resourceId: "/subscriptions/x/identities/y" },
      })
      .catch((e: { code?: string }) => e.code);
    expect(identity).toBe("InvalidPropertyValue");
    const backwards = await client.nodes
      .uploadBatchServiceLogs("lp", node.id, {
        startTime: "2026-01-02T00:00:00Z",
        endTime: "2026-01-01T00:00:00Z",
      })
      .catch((e: { code?: string }) => e.code);
    expect(backwards).toBe("InvalidPropertyValue");

    // The official client, unchanged.
    const { accountName, accountKey, endpoint } = suite.service;
    const batch = new BatchServiceClient(new BatchSharedKeyCredentials(accountName, accountKey), endpoint);
    const sdk = await batch.computeNode.uploadBatchServiceLogs("lp", node.id, {
      containerUrl: azurite.server.containerUrl("logs", "w"),
      startTime: new Date(before),
    });
    expect(sdk.numberOfFilesUploaded).toBe(2);
    expect(sdk.virtualDirectoryName).toMatch(new RegExp(`^lp/${node.id}/`));
    expect(await azurite.server.blobNames("logs")).toHaveLength(4);
  });
});
