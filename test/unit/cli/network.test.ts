/**
 * `openbatch network create|list|show|delete` and `pool create --subnet-id` against the real service
 * (in-process), with tables and `-o json`. No nodes: the namespaces themselves are
 * test/integration/virtualNetworks.test.ts's.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiService, startApi } from "../api/apiHarness.js";
import { type CliRun, credentialsEnv, runCli } from "./cliHarness.js";

let service: ApiService;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "openbatch-cli-network-"));

beforeAll(async () => {
  service = await startApi("clinetwork");
});
afterAll(async () => {
  await service.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

function openbatch(...args: string[]): Promise<CliRun> {
  return runCli(args, credentialsEnv(service, dir));
}

describe("openbatch network", () => {
  it("creates, lists, shows and deletes networks, and puts pools on them", async () => {
    const subnetId = "/openbatch/virtualNetworks/clinet/subnets/default";
    const created = await openbatch("network", "create", "clinet", "--address-prefix", "10.91.0.0/24");
    expect(created.code).toBe(0);
    expect(created.stdout).toContain(`Network clinet (10.91.0.0/24) ready.`);
    expect(created.stdout).toContain(`--subnet-id ${subnetId}`);

    const json = JSON.parse((await openbatch("-o", "json", "network", "show", "clinet")).stdout);
    expect(json).toMatchObject({ name: "clinet", addressPrefix: "10.91.0.0/24", subnetId, poolIds: [] });
    expect(["namespaces", "loopback"]).toContain(json.isolation);

    expect(
      (await openbatch("pool", "create", "cp", "--vm-size", "small", "--subnet-id", subnetId)).code,
    ).toBe(0);
    const pool = JSON.parse((await openbatch("-o", "json", "pool", "show", "cp")).stdout);
    expect(pool.networkConfiguration).toEqual({ subnetId });

    const table = await openbatch("network", "list");
    expect(table.stdout.split("\n")[0]).toMatch(/^NAME\s+ADDRESSPREFIX\s+ISOLATION\s+POOLS\s+SUBNETID$/);
    expect(table.stdout).toMatch(/clinet\s+10\.91\.0\.0\/24\s+\S+\s+cp\s+\/openbatch/);

    expect(await openbatch("network", "delete", "clinet")).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("error: VirtualNetworkInUse:"),
    });
    expect((await openbatch("pool", "delete", "cp", "--wait")).code).toBe(0);
    expect((await openbatch("network", "delete", "clinet")).stdout).toBe("Network clinet deleted.\n");
    expect((await openbatch("network", "list")).stdout).toBe("No virtual networks.\n");
  });

  it("refuses a missing --address-prefix as a usage error", async () => {
    const run = await openbatch("network", "create", "x");
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--address-prefix");
  });
});
