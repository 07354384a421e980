/**
 * The agent's PackageInstaller against a node:http server on loopback that counts downloads: a version
 * is downloaded once however many runs ask for it at the same time, and not again once installed;
 * a changed SHA-256 reinstalls; a mismatch or a refused archive leaves nothing in applications/.
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLog } from "../../../agent/log.js";
import { PackageInstaller } from "../../../agent/packages.js";
import type { ResolvedApplicationPackage } from "../../../protocol/agent.js";
import { tarGz } from "../../archiveFiles.js";

const quiet = createLog({ write: () => {} });
const archives: Record<string, Buffer> = {};
const downloads: string[] = [];
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    const name = request.url!.slice(1);
    downloads.push(name);
    const body = archives[name];
    response.writeHead(body ? 200 : 404).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

let root: string;
let installer: PackageInstaller;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "openbatch-packages-"));
  mkdirSync(join(root, "applications"));
  installer = new PackageInstaller(join(root, "applications"), join(root, ".agent"), quiet);
  downloads.length = 0;
});

function serve(name: string, content: string): ResolvedApplicationPackage {
  archives[name] = tarGz([{ path: "v.txt", content }]);
  return {
    applicationId: "tool",
    version: name,
    isDefault: false,
    url: `${base}/${name}`,
    sha256: createHash("sha256").update(archives[name]!).digest("hex"),
    format: "tar.gz",
  };
}

describe("PackageInstaller", () => {
  it("downloads a version once for concurrent runs, and not again once installed", async () => {
    const pkg = serve("1.0", "one");
    const outcomes = await Promise.all([1, 2, 3].map(() => installer.installForRun([pkg])));
    expect(outcomes).toEqual([undefined, undefined, undefined]);
    expect(await installer.installForRun([pkg])).toBeUndefined();
    expect(downloads).toEqual(["1.0"]);
    expect(readFileSync(join(root, "applications", "tool.1.0", "v.txt"), "utf8")).toBe("one");
  });

  it("reinstalls a version uploaded again with other content", async () => {
    await installer.installForRun([serve("2.0", "first")]);
    await installer.installForRun([serve("2.0", "second")]);
    expect(downloads).toEqual(["2.0", "2.0"]);
    expect(readFileSync(join(root, "applications", "tool.2.0", "v.txt"), "utf8")).toBe("second");
  });

  it("refuses an archive whose SHA-256 differs, leaving nothing", async () => {
    const pkg = { ...serve("3.0", "x"), sha256: "0".repeat(64) };
    expect(await installer.installForRun([pkg])).toMatchObject({
      category: "usererror",
      stage: "preProcessing",
      code: "ApplicationPackageChecksumMismatch",
    });
    expect(readdirSync(join(root, "applications"))).toEqual([]);
  });

  it("reports a reference the service could not resolve, and a download that fails", async () => {
    const problem = { applicationId: "gone", problem: "Application gone does not exist." };
    expect(await installer.installPoolPackages([problem])).toEqual([
      { code: "ApplicationPackageUnavailable", message: "Application gone does not exist." },
    ]);
    const missing = { ...serve("4.0", "x"), url: `${base}/nothing-here` };
    expect(await installer.installForRun([missing])).toMatchObject({
      code: "ApplicationPackageDownloadFailed",
    });
    expect(readdirSync(join(root, "applications"))).toEqual([]);
  });

  it("sets the pool's variables for every run and a run's own", async () => {
    const pool = { ...serve("1.0", "one"), isDefault: true };
    expect(await installer.installPoolPackages([pool])).toEqual([]);
    const own = serve("2.0", "two");
    expect(installer.variables([own])).toEqual({
      AZ_BATCH_APP_PACKAGE_tool: join(root, "applications", "tool.1.0"),
      AZ_BATCH_APP_PACKAGE_tool_1_0: join(root, "applications", "tool.1.0"),
      AZ_BATCH_APP_PACKAGE_tool_2_0: join(root, "applications", "tool.2.0"),
    });
  });
});
