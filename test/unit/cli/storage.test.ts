/**
 * `openbatch storage upload|download|list|delete|url` against the real service (in-process), with
 * tables and `-o json`, and a minted container URL that an Azure Blob client (plain fetch) can use.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiService, startApi } from "../api/apiHarness.js";
import { type CliRun, credentialsEnv, runCli } from "./cliHarness.js";

let service: ApiService;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "openbatch-cli-storage-"));

beforeAll(async () => {
  service = await startApi("clistorage");
});
afterAll(async () => {
  await service.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

function openbatch(...args: string[]): Promise<CliRun> {
  return runCli(args, credentialsEnv(service, dir));
}

describe("openbatch storage", () => {
  it("uploads, lists, downloads and deletes", async () => {
    const file = path.join(dir, "data.csv");
    fs.writeFileSync(file, "a,b\n1,2\n");
    expect(await openbatch("storage", "upload", "inputs", file)).toMatchObject({
      code: 0,
      stdout: `Uploaded ${file} to inputs/data.csv (8 bytes).\n`,
    });
    expect((await openbatch("storage", "upload", "inputs", file, "nested/copy.csv")).code).toBe(0);

    const table = await openbatch("storage", "list", "inputs");
    expect(table.stdout.split("\n")[0]).toMatch(/^NAME\s+SIZE\s+LASTMODIFIED$/);
    expect(table.stdout).toMatch(/data\.csv\s+8\s/);
    const json = JSON.parse(
      (await openbatch("-o", "json", "storage", "list", "inputs", "--prefix", "nested/")).stdout,
    );
    expect(json).toEqual([expect.objectContaining({ name: "nested/copy.csv", contentLength: 8 })]);

    expect((await openbatch("storage", "download", "inputs", "nested/copy.csv", "-")).stdout).toBe(
      "a,b\n1,2\n",
    );
    const target = path.join(dir, "back.csv");
    expect((await openbatch("storage", "download", "inputs", "nested/copy.csv", target)).code).toBe(0);
    expect(fs.readFileSync(target, "utf8")).toBe("a,b\n1,2\n");

    expect((await openbatch("storage", "delete", "inputs", "nested/copy.csv")).stdout).toBe(
      "Deleted inputs/nested/copy.csv.\n",
    );
    expect(await openbatch("storage", "download", "inputs", "nested/copy.csv", "-")).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("error: BlobNotFound:"),
    });
  });

  it("prints a container URL that grants what was asked", async () => {
    const { stdout } = await openbatch(
      "storage",
      "url",
      "inputs",
      "--permissions",
      "r",
      "--expires-in",
      "30m",
    );
    const url = new URL(stdout.trim());
    expect(url.searchParams.get("sp")).toBe("r");
    const blob = `${url.origin}${url.pathname}/data.csv${url.search}`;
    expect(await (await fetch(blob)).text()).toBe("a,b\n1,2\n");
    const listing = await fetch(`${url.href}&restype=container&comp=list`);
    expect(listing.status).toBe(403);
  });

  it("refuses a bad container name or duration as a usage error", async () => {
    expect((await openbatch("storage", "url", "Bad_Name")).code).toBe(2);
    expect((await openbatch("storage", "url", "inputs", "--expires-in", "forever")).code).toBe(2);
    expect((await openbatch("storage", "upload", "inputs", path.join(dir, "missing"))).code).toBe(2);
  });
});
