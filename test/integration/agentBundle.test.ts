/**
 * The agent bundle works outside the repository: downloaded over HTTP from a real service (HEAD and
 * GET, ETag = sha256), extracted with `tar` into a fresh directory, its `bin/openbatch-agent --help`
 * runs, and the extracted agent, started with `--machine-id` and no node id as a cloud VM's boot
 * script does, claims the node waiting for it and runs a task.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { completedTask, serviceForSuite, waitFor } from "./harness.js";

describe("the agent bundle", () => {
  const suite = serviceForSuite("bundle", ["--provisioner", "external"]);
  const extracted = path.join(suite.dataDir, "vm", "opt-openbatch");
  let agent: ChildProcess | undefined;
  let agentOutput = "";
  afterAll(() => {
    if (agent?.pid && agent.exitCode === null) agent.kill("SIGKILL");
  });
  // The bundle's launcher runs the `node` on PATH, as on a VM with Node installed.
  const env = { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH}` };

  it("downloads as a gzip tarball named by its sha256, and extracts to a runnable agent", async () => {
    const url = `${suite.service.endpoint}/openbatch/agent/bundle.tar.gz`;
    const head = await fetch(url, { method: "HEAD" });
    expect(head.status).toBe(200);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/gzip");
    const data = Buffer.from(await response.arrayBuffer());
    const sha256 = createHash("sha256").update(data).digest("hex");
    expect(response.headers.get("etag")).toBe(`"${sha256}"`);
    expect(head.headers.get("etag")).toBe(`"${sha256}"`);
    expect(Number(head.headers.get("content-length"))).toBe(data.length);
    expect((await fetch(url, { headers: { "if-none-match": `"${sha256}"` } })).status).toBe(304);

    const archive = path.join(suite.dataDir, "vm", "bundle.tar.gz");
    fs.mkdirSync(extracted, { recursive: true });
    fs.writeFileSync(archive, data);
    execFileSync("tar", ["-xzf", archive, "-C", extracted]);
    expect(fs.statSync(path.join(extracted, "bin", "openbatch-agent")).mode & 0o111).toBe(0o111);
    expect(fs.existsSync(path.join(extracted, "node_modules", "ws", "package.json"))).toBe(true);
    const help = execFileSync(path.join(extracted, "bin", "openbatch-agent"), ["--help"], {
      env,
      encoding: "utf8",
    });
    expect(help).toContain("usage: openbatch-agent");
    expect(help).toContain("--machine-id");
  });

  it("runs, from its own directory, as a node of a pool that it claims by its machine id", async () => {
    const { client } = suite.service;
    await client.pools.add({ id: "bp", vmSize: "standard_d2s_v3", targetDedicatedNodes: 1 });
    const [waiting] = await waitFor("the node waiting for a machine", async () => {
      const list = await client.nodes.list("bp").next();
      return !list.done && [list.value];
    });
    expect(waiting!.state).toBe("starting");
    const join = await client.pools.getJoinInfo("bp");
    expect(join.bundleUrl).toBe(`${suite.service.endpoint}/openbatch/agent/bundle.tar.gz`);
    const root = path.join(suite.dataDir, "vm", "node-root");
    // Started away from the repository, so nothing of it is found by accident.
    agent = spawn(
      path.join(extracted, "bin", "openbatch-agent"),
      [
        "--service-url",
        join.serviceUrl,
        "--pool-id",
        "bp",
        "--machine-id",
        "vm-0",
        "--root",
        root,
        "--ip-address",
        "127.0.0.1",
      ],
      {
        cwd: path.join(suite.dataDir, "vm"),
        env: { ...env, OPENBATCH_JOIN_TOKEN: join.joinToken },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    for (const stream of [agent.stdout!, agent.stderr!])
      stream.on("data", (d) => {
        agentOutput += d.toString();
      });
    await waitFor(
      "the node to be idle",
      async () => (await client.nodes.get("bp", waiting!.id)).state === "idle",
    ).catch((error: Error) => {
      throw new Error(`${error.message}\nagent output:\n${agentOutput}`);
    });
    // The launcher exec'd node on the bundle's own copy of the agent.
    const commandLine = fs.readFileSync(`/proc/${agent.pid}/cmdline`, "utf8").split("\0");
    expect(commandLine.slice(0, 2)).toEqual(["node", path.join(extracted, "dist", "agent", "main.js")]);

    await client.jobs.add({ id: "bj", poolInfo: { poolId: "bp" } });
    await client.tasks.add("bj", { id: "t", commandLine: '/bin/sh -c "echo bundled on $AZ_BATCH_NODE_ID"' });
    const task = await completedTask(client, "bj", "t");
    expect(task.executionInfo?.exitCode).toBe(0);
    expect(await client.tasks.getFileText("bj", "t", "stdout.txt")).toBe(`bundled on ${waiting!.id}\n`);

    await client.pools.delete("bp");
    const exit = await waitFor(
      "the agent to be told to stop",
      async () => agent!.exitCode !== null && { code: agent!.exitCode },
    );
    expect(exit.code).toBe(0);
  });
});
