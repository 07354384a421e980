/** `openbatch node reimage|disable-scheduling|enable-scheduling|remove|counts|preempt|upload-logs` send their requests and print the answers. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noNodes } from "../../../service/core/nodeCounts.js";
import { type FakeBatchService, lastRequestTo, startFakeBatchService } from "../client/fakeBatchService.js";
import { credentialsEnv, runCli } from "./cliHarness.js";

const dir = mkdtempSync(join(tmpdir(), "openbatch-cli-node-"));
const zero = noNodes();
const counts = { poolId: "p1", dedicated: { ...zero, idle: 2, offline: 1, total: 3 }, lowPriority: zero };

let service: FakeBatchService;
beforeAll(async () => {
  service = await startFakeBatchService({
    "POST /pools/p1/nodes/n1/disablescheduling": () => ({ status: 200 }),
    "POST /pools/p1/nodes/n1/enablescheduling": () => ({ status: 200 }),
    "POST /pools/p1/removenodes": () => ({ status: 202 }),
    "POST /pools/p1/nodes/n1/reimage": () => ({ status: 202 }),
    "GET /nodecounts": () => ({ status: 200, body: { value: [counts] } }),
    "POST /openbatch/pools/p1/nodes/n1/preempt": () => ({ status: 202 }),
    "POST /pools/p1/nodes/n1/uploadbatchservicelogs": () => ({
      status: 200,
      body: { virtualDirectoryName: "p1/n1/abc/", numberOfFilesUploaded: 2 },
    }),
  });
});
afterAll(() => service.close());

const openbatch = (args: string[]) => runCli(args, credentialsEnv(service, dir));

const lastRequest = (method: string, path: string) => lastRequestTo(service, method, path);

describe("openbatch node operations", () => {
  it("disable-scheduling sends the option (requeue by default), enable-scheduling sends nothing", async () => {
    expect((await openbatch(["node", "disable-scheduling", "p1", "n1"])).stdout).toContain(
      "disabled (requeue)",
    );
    const path = "/pools/p1/nodes/n1/disablescheduling";
    expect(JSON.parse(lastRequest("POST", path).body)).toEqual({ nodeDisableSchedulingOption: "requeue" });
    await openbatch(["node", "disable-scheduling", "p1", "n1", "--option", "taskcompletion"]);
    expect(JSON.parse(lastRequest("POST", path).body)).toEqual({
      nodeDisableSchedulingOption: "taskcompletion",
    });
    expect(
      (await openbatch(["node", "disable-scheduling", "p1", "n1", "--option", "retaineddata"])).code,
    ).toBe(2);
    expect((await openbatch(["node", "enable-scheduling", "p1", "n1"])).stdout).toContain("enabled");
    expect(lastRequest("POST", "/pools/p1/nodes/n1/enablescheduling").body).toBe("");
  });

  it("reimage sends the option", async () => {
    expect((await openbatch(["node", "reimage", "p1", "n1", "--option", "retaineddata"])).code).toBe(0);
    expect(JSON.parse(lastRequest("POST", "/pools/p1/nodes/n1/reimage").body)).toEqual({
      nodeReimageOption: "retaineddata",
    });
    expect((await openbatch(["node", "reimage", "p1", "n1", "--option", "wipe"])).code).toBe(2);
  });

  it("remove sends the node list, the deallocation option and the timeout", async () => {
    const run = await openbatch([
      "node",
      "remove",
      "p1",
      "n1",
      "n2",
      "--node-deallocation-option",
      "taskcompletion",
      "--resize-timeout",
      "PT5M",
    ]);
    expect(run.code).toBe(0);
    expect(JSON.parse(lastRequest("POST", "/pools/p1/removenodes").body)).toEqual({
      nodeList: ["n1", "n2"],
      nodeDeallocationOption: "taskcompletion",
      resizeTimeout: "PT5M",
    });
  });

  it("counts prints a row per pool and kind, or Azure's PoolNodeCounts as JSON, filtered by pool", async () => {
    const table = await openbatch(["node", "counts"]);
    expect(table.stdout).toMatch(/p1\s+dedicated\s+3\s+0\s+0\s+0\s+0\s+2\s+0\s+1/);
    expect(table.stdout).toMatch(/p1\s+lowPriority\s+0/);
    const json = await openbatch(["node", "counts", "p1", "-o", "json"]);
    expect(JSON.parse(json.stdout)).toEqual([counts]);
    expect(lastRequest("GET", "/nodecounts").query.get("$filter")).toBe("poolId eq 'p1'");
  });

  it("preempt posts to the extension route", async () => {
    expect((await openbatch(["node", "preempt", "p1", "n1"])).stdout).toContain("Node n1 is preempted");
    expect(lastRequest("POST", "/openbatch/pools/p1/nodes/n1/preempt").body).toBe("");
  });

  it("upload-logs sends Azure's UploadBatchServiceLogsConfiguration and prints where the files went", async () => {
    const run = await openbatch([
      "node",
      "upload-logs",
      "p1",
      "n1",
      "--start-time",
      "2026-11-24T00:00:00Z",
      "--container-url",
      "http://127.0.0.1:1/logs?sig=x",
    ]);
    expect(run.stdout).toContain("Uploaded 2 log file(s) of node n1 to p1/n1/abc/");
    expect(JSON.parse(lastRequest("POST", "/pools/p1/nodes/n1/uploadbatchservicelogs").body)).toEqual({
      startTime: "2026-11-24T00:00:00Z",
      containerUrl: "http://127.0.0.1:1/logs?sig=x",
    });
    const json = await openbatch([
      "node",
      "upload-logs",
      "p1",
      "n1",
      "--start-time",
      "2026-11-24T00:00:00Z",
      "-o",
      "json",
    ]);
    expect(JSON.parse(json.stdout)).toEqual({ virtualDirectoryName: "p1/n1/abc/", numberOfFilesUploaded: 2 });
    expect((await openbatch(["node", "upload-logs", "p1", "n1"])).code).toBe(2);
  });
});
