/**
 * The Application and ApplicationPackage dynamic providers' CRUD called directly against a real
 * service: check computes the archive's digest (a changed file is a change); create; settings and
 * `isDefault` in place; a new archive replaces the package; a version a pool uses cannot be deleted;
 * refresh after an out-of-band delete; import; delete waits until gone.
 */
import fs from "node:fs";
import path from "node:path";
import * as tar from "tar";
import { describe, expect, it } from "vitest";
import type { ApplicationInputs, ApplicationOutputs } from "../../provider/dynamic/application.js";
import type {
  ApplicationPackageInputs,
  ApplicationPackageOutputs,
} from "../../provider/dynamic/applicationPackage.js";
import { provider as packages } from "../../provider/dynamic/applicationPackageProvider.js";
import { provider as applications } from "../../provider/dynamic/applicationProvider.js";
import { serviceForSuite, waitFor } from "./harness.js";

describe("Application and ApplicationPackage providers against a real service", () => {
  const suite = serviceForSuite("pulumi-apps");
  const connection = () => ({
    endpoint: suite.service.endpoint,
    accountName: suite.service.accountName,
    accountKey: suite.service.accountKey,
  });
  const archive = () => path.join(suite.service.dataDir, "tool.tar.gz");
  /** Writes the archive with one file `run.sh` saying `words`. */
  function writeArchive(words: string) {
    const source = path.join(suite.service.dataDir, "tool-src");
    fs.mkdirSync(source, { recursive: true });
    fs.writeFileSync(path.join(source, "run.sh"), `echo ${words}\n`);
    tar.create({ gzip: true, file: archive(), cwd: source, sync: true }, ["run.sh"]);
  }
  const app = (changes: Partial<ApplicationInputs> = {}) =>
    ({ ...connection(), applicationId: "tool", ...changes }) as ApplicationInputs;
  const pkg = (changes: Partial<ApplicationPackageInputs> = {}) =>
    ({
      ...connection(),
      applicationId: "tool",
      version: "1.0",
      archivePath: archive(),
      ...changes,
    }) as ApplicationPackageInputs;
  let appOutputs: ApplicationOutputs;
  let pkgOutputs: ApplicationPackageOutputs;

  async function checkedPackage(news: ApplicationPackageInputs) {
    const result = await packages.check({} as ApplicationPackageInputs, news);
    expect(result.failures).toEqual([]);
    return result.inputs!;
  }

  it("names a missing archive, a wrong extension and a bad version in check", async () => {
    const { failures } = await packages.check(
      {} as ApplicationPackageInputs,
      pkg({ version: "..", archivePath: "nowhere/tool.tar.gz" }),
    );
    expect(failures!.map((f) => `${f.property}: ${f.reason}`)).toEqual([
      "version: version '..' is invalid: use 1 to 64 letters, digits, '_', '-' and '.' (not only dots).",
      `archivePath: archivePath 'nowhere/tool.tar.gz' is not a file (resolved to ${path.resolve("nowhere/tool.tar.gz")}): build the archive first, or fix the path.`,
    ]);
    const rar = await packages.check({} as ApplicationPackageInputs, pkg({ archivePath: "tool.rar" }));
    expect(rar.failures![0]!.reason).toBe("archivePath 'tool.rar' must name a .tar.gz, .tgz or .zip file.");
  });

  it("creates the application and its package, made the default version", async () => {
    const checked = await applications.check({} as ApplicationInputs, app({ displayName: "Tool" }));
    expect(checked.failures).toEqual([]);
    const created = await applications.create(checked.inputs!);
    expect(created.id).toBe("tool");
    appOutputs = created.outs!;
    writeArchive("one");
    const inputs = await checkedPackage(pkg({ isDefault: true }));
    expect(inputs.format).toBe("tar.gz");
    const uploaded = await packages.create(inputs);
    expect(uploaded.id).toBe("tool/1.0");
    pkgOutputs = uploaded.outs!;
    expect(pkgOutputs.sha256).toBe(inputs.sha256);
    expect(pkgOutputs.size).toBe(fs.statSync(archive()).size);
    expect(await suite.service.client.applications.getSettings("tool")).toMatchObject({
      displayName: "Tool",
      defaultVersion: "1.0",
    });
  });

  it("changes the application's settings in place, keeping the default version a package set", async () => {
    const news = (
      await applications.check({} as ApplicationInputs, app({ displayName: "Tool 2", allowUpdates: false }))
    ).inputs!;
    expect(await applications.diff("tool", appOutputs, news)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    appOutputs = (await applications.update("tool", appOutputs, news)).outs!;
    expect(await suite.service.client.applications.getSettings("tool")).toMatchObject({
      displayName: "Tool 2",
      allowUpdates: false,
      defaultVersion: "1.0",
    });
    const refreshed = await applications.read("tool", appOutputs);
    expect(await applications.diff("tool", refreshed.props, refreshed.inputs)).toMatchObject({
      changes: false,
    });
  });

  it("unsets the default in place; a changed file at the same path replaces the package, deleting first", async () => {
    const notDefault = await checkedPackage(pkg({ isDefault: false }));
    expect(await packages.diff("tool/1.0", pkgOutputs, notDefault)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    pkgOutputs = (await packages.update("tool/1.0", pkgOutputs, notDefault)).outs!;
    expect((await suite.service.client.applications.getSettings("tool")).defaultVersion).toBeUndefined();

    writeArchive("two");
    const changed = await checkedPackage(pkg({ isDefault: false }));
    expect(await packages.diff("tool/1.0", pkgOutputs, changed)).toEqual({
      changes: true,
      replaces: ["sha256"],
      deleteBeforeReplace: true,
    });
    await packages.delete("tool/1.0", pkgOutputs);
    pkgOutputs = (await packages.create(changed)).outs!;
    expect((await suite.service.client.applications.getVersion("tool", "1.0")).sha256).toBe(changed.sha256);
  });

  it("refuses to delete a version or an application a pool uses, with the service's error", async () => {
    await suite.service.client.pools.add({
      id: "withtool",
      vmSize: "standard_d2s_v3",
      applicationPackageReferences: [{ applicationId: "tool", version: "1.0" }],
    });
    await expect(packages.delete("tool/1.0", pkgOutputs)).rejects.toThrow(/used by pool\(s\) withtool/);
    await expect(applications.delete("tool", appOutputs)).rejects.toThrow(/referenced by pool\(s\) withtool/);
    await suite.service.client.pools.delete("withtool");
    await waitFor("the pool to be gone", async () => !(await suite.service.client.pools.exists("withtool")));
  });

  it("refresh and import read the package; an out-of-band delete drops it", async () => {
    const refreshed = await packages.read("tool/1.0", pkgOutputs);
    expect(await packages.diff("tool/1.0", refreshed.props, refreshed.inputs)).toMatchObject({
      changes: false,
    });
    const imported = await packages.read("tool/1.0", connection() as ApplicationPackageOutputs);
    expect(imported.inputs).toMatchObject({
      applicationId: "tool",
      version: "1.0",
      sha256: pkgOutputs.sha256,
    });
    expect(
      await packages.diff("tool/1.0", imported.props, await checkedPackage(pkg({ isDefault: false }))),
    ).toMatchObject({ changes: false });
    const importedApp = await applications.read("tool", connection() as ApplicationOutputs);
    expect(importedApp.inputs).toEqual({
      ...connection(),
      applicationId: "tool",
      displayName: "Tool 2",
      allowUpdates: false,
    });

    await suite.service.client.applications.deleteVersion("tool", "1.0");
    expect((await packages.read("tool/1.0", pkgOutputs)).id).toBeUndefined();
  });

  it("deletes the application (waiting until gone); refresh then drops it and its packages", async () => {
    await applications.delete("tool", appOutputs);
    expect((await applications.read("tool", appOutputs)).id).toBeUndefined();
    expect((await packages.read("tool/1.0", pkgOutputs)).id).toBeUndefined();
    await packages.delete("tool/1.0", pkgOutputs); // already gone: nothing to do
  });
});
