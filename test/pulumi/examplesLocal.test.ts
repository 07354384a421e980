/**
 * The acceptance test of examples/local, applied through the real dynamic-provider plugin as
 * `pulumi up` would: an account daemon, a certificate, an application and its package, a pool of 2
 * nodes; a job with a task per node that reads the certificate files and runs the package's script;
 * the node count changed in place, the VM size replacing the pool; the pool deleted out of band and
 * found gone by a refresh; then everything destroyed, leaving no process and no data directory.
 */
import fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { BatchClient, collect } from "../../client/index.js";
import {
  completedTask,
  killEverything,
  makeDataDir,
  processesMentioning,
  waitFor,
} from "../integration/harness.js";
import { type AppliedStack, applyResources, destroyResources } from "./applyResources.js";
import { captureResources, openbatchOutputs, settled } from "./capturedResources.js";
import { DynamicProviderPlugin } from "./dynamicProviderPlugin.js";

const PROJECT = "openbatch-local";
const captured = captureResources(openbatchOutputs, PROJECT);

describe("examples/local through the dynamic-provider plugin", () => {
  const workDir = makeDataDir("pulumi-local");
  const dataDir = `${workDir}/account`;
  let plugin: DynamicProviderPlugin;
  let stack: AppliedStack;
  let client: BatchClient;

  /** Runs examples/local/index.ts afresh with its config (as `pulumi config set` would) and returns its resources. */
  async function declare(config: Record<string, string> = {}) {
    const settings = { dataDir, buildDir: `${workDir}/build`, appDir: "examples/local/app", ...config };
    pulumi.runtime.setAllConfig(
      Object.fromEntries(Object.entries(settings).map(([key, value]) => [`${PROJECT}:${key}`, value])),
    );
    vi.resetModules();
    const from = captured.length;
    const program = await import("../../examples/local/index.js");
    await settled(program.poolId, program.applicationPackage);
    return captured.slice(from);
  }

  const outputsOf = (name: string) => stack.resources.find((r) => r.name === name)!.outputs;

  beforeAll(async () => {
    plugin = await DynamicProviderPlugin.start();
  });
  afterAll(async () => {
    await plugin?.stop();
    killEverything(dataDir);
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it("applies the example: the account, certificate, application, package, and a pool of 2 idle nodes", async () => {
    stack = await applyResources(plugin, await declare());
    expect(stack.operations).toEqual({
      local: "create",
      example: "create",
      hello: "create",
      "hello-1.0": "create",
      workers: "create",
    });
    const account = outputsOf("local");
    client = new BatchClient({
      endpoint: account.endpoint as string,
      accountName: "local",
      accountKey: account.primaryKey as string,
    });
    const nodes = await collect(client.nodes.list("workers"));
    expect(nodes.map((n) => n.state)).toEqual(["idle", "idle"]);
    expect(outputsOf("hello-1.0")).toMatchObject({
      format: "tar.gz",
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect((await client.applications.getSettings("hello")).defaultVersion).toBe("1.0");
    expect(outputsOf("workers").joinToken).toBe((await client.pools.getJoinInfo("workers")).joinToken);
  });

  it("runs a task on each node that reads the certificate and runs the package's script", async () => {
    const thumbprint = outputsOf("example").thumbprint as string;
    await client.jobs.add({ id: "check", poolInfo: { poolId: "workers" } });
    for (const id of ["t1", "t2"])
      await client.tasks.add("check", {
        id,
        commandLine: "/bin/sh -c '\"$AZ_BATCH_APP_PACKAGE_hello/hello.sh\"'",
      });
    const tasks = [await completedTask(client, "check", "t1"), await completedTask(client, "check", "t2")];
    expect(tasks.map((t) => t.executionInfo?.exitCode)).toEqual([0, 0]);
    const nodeIds = tasks.map((t) => t.nodeInfo!.nodeId!);
    expect(new Set(nodeIds).size).toBe(2);
    for (const [i, task] of tasks.entries()) {
      expect(await client.tasks.getFileText("check", task.id, "stdout.txt")).toBe(
        `hello from node ${nodeIds[i]} of pool workers\ncertificate sha1-${thumbprint}.pem subject=CN = openbatch-example\n`,
      );
    }
    await client.jobs.delete("check");
  });

  it("changes the node count in place (same pool), and a new VM size replaces the pool", async () => {
    const created = outputsOf("workers").creationTime;
    stack = await applyResources(plugin, await declare({ nodeCount: "3" }), stack);
    expect(stack.operations).toMatchObject({
      local: "same",
      example: "same",
      "hello-1.0": "same",
      workers: "update",
    });
    expect(outputsOf("workers").creationTime).toBe(created);
    expect((await collect(client.nodes.list("workers"))).map((n) => n.state)).toEqual([
      "idle",
      "idle",
      "idle",
    ]);

    stack = await applyResources(plugin, await declare({ nodeCount: "3", vmSize: "standard_d4s_v3" }), stack);
    expect(stack.operations.workers).toBe("replace");
    const pool = await client.pools.get("workers");
    expect([pool.vmSize, pool.currentDedicatedNodes]).toEqual(["standard_d4s_v3", 3]);
    expect(pool.creationTime).not.toBe(created);
  });

  it("a refresh finds the pool deleted out of band gone; destroy leaves no process and no data directory", async () => {
    await client.pools.delete("workers");
    await waitFor("the pool to be gone", async () => !(await client.pools.exists("workers")));
    const pool = stack.resources.find((r) => r.name === "workers")!;
    expect((await plugin.read(pool.id, pool.urn, pool.outputs)).id).toBe("");
    stack = { ...stack, resources: stack.resources.filter((r) => r !== pool) };
    await destroyResources(plugin, stack);
    expect(processesMentioning(dataDir)).toEqual([]);
    expect(fs.existsSync(dataDir)).toBe(false);
  });
});
