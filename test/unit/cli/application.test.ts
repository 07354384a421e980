/**
 * `openbatch application create|update|list|show|delete` and `application package upload|list|show|delete`
 * against the real service (in-process), with tables and `-o json`, and a pool created with
 * `--application-package`.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tarGz } from "../../archiveFiles.js";
import { type ApiService, startApi } from "../api/apiHarness.js";
import { type CliRun, credentialsEnv, runCli } from "./cliHarness.js";

let service: ApiService;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "openbatch-cli-apps-"));

beforeAll(async () => {
  service = await startApi("cliapps");
});
afterAll(async () => {
  await service.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

function openbatch(...args: string[]): Promise<CliRun> {
  return runCli(args, credentialsEnv(service, dir));
}

describe("openbatch application", () => {
  it("creates an application, uploads a default version, shows and deletes them", async () => {
    expect((await openbatch("application", "create", "tool", "--display-name", "The tool")).code).toBe(0);
    const file = path.join(dir, "tool.tar.gz");
    fs.writeFileSync(file, tarGz([{ path: "run.sh", content: "#!/bin/sh\n", mode: 0o755 }]));
    const upload = await openbatch(
      "application",
      "package",
      "upload",
      "tool",
      "1.0",
      "--file",
      file,
      "--set-default",
    );
    expect(upload.code).toBe(0);
    expect(upload.stdout).toMatch(
      /^Uploaded version 1\.0 of tool \(tar\.gz, \d+ bytes, sha256 [0-9a-f]{64}\); it is the default\.\n$/,
    );

    const list = await openbatch("application", "list");
    expect(list.stdout.split("\n")[0]).toMatch(
      /^ID\s+DISPLAYNAME\s+DEFAULTVERSION\s+ALLOWUPDATES\s+VERSIONS$/,
    );
    expect(list.stdout).toMatch(/tool\s+The tool\s+1\.0\s+true\s+1\.0/);
    const shown = JSON.parse(
      (await openbatch("-o", "json", "application", "package", "show", "tool", "1.0")).stdout,
    );
    expect(shown).toMatchObject({ applicationId: "tool", version: "1.0", state: "active", format: "tar.gz" });

    expect((await openbatch("application", "update", "tool", "--allow-updates", "false")).code).toBe(0);
    expect(await openbatch("application", "package", "upload", "tool", "1.0", "--file", file)).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("error: ApplicationPackageExists:"),
    });

    expect(
      (await openbatch("pool", "create", "p1", "--vm-size", "small", "--application-package", "tool")).code,
    ).toBe(0);
    const pool = JSON.parse((await openbatch("-o", "json", "pool", "show", "p1")).stdout);
    expect(pool.applicationPackageReferences).toEqual([{ applicationId: "tool" }]);
    expect(await openbatch("application", "package", "delete", "tool", "1.0")).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("error: ApplicationPackageInUse:"),
    });
    expect((await openbatch("pool", "delete", "p1", "--wait")).code).toBe(0);
    expect((await openbatch("application", "package", "delete", "tool", "1.0")).stdout).toBe(
      "Version 1.0 of tool deleted.\n",
    );
    expect((await openbatch("application", "package", "list", "tool")).stdout).toBe(
      "Application tool has no versions.\n",
    );
    expect((await openbatch("application", "delete", "tool")).stdout).toBe("Application tool deleted.\n");
  });

  it("refuses an --application-package without an id", async () => {
    expect(
      await openbatch("pool", "create", "p2", "--vm-size", "small", "--application-package", ":1.0"),
    ).toMatchObject({
      code: 2,
    });
  });
});
