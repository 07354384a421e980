/**
 * Application and ApplicationPackage under Pulumi mocks: the package takes the application's id (so
 * it registers after it), and a pool referencing the package's outputs registers after the upload.
 */
import { describe, expect, it } from "vitest";
import { captureResources, openbatchOutputs, placeholder, settled } from "../../pulumi/capturedResources.js";

const captured = captureResources(openbatchOutputs);
const { Account, Application, ApplicationPackage, Pool } = await import("../../../provider/index.js");

describe("Application and ApplicationPackage under mocks", () => {
  const account = new Account("acct");
  const application = new Application("blender", { account, displayName: "Blender" });
  const pkg = new ApplicationPackage("blender-4.1", {
    account,
    applicationId: application.applicationId,
    version: "4.1",
    archivePath: "dist/blender.tar.gz",
    isDefault: true,
  });
  const pool = new Pool("render", {
    account,
    vmSize: "standard_d2s_v3",
    applicationPackages: [{ id: pkg.applicationId, version: pkg.version }],
  });

  it("registers the application with its id defaulting to the resource name", async () => {
    await settled(pool.poolName);
    const registered = captured.find((r) => r.name === "blender")!;
    expect(registered.type).toBe("pulumi-nodejs:dynamic/openbatch:Application");
    expect(registered.inputs).toMatchObject({
      applicationId: "blender",
      displayName: "Blender",
      allowUpdates: true,
    });
    expect(registered.inputs.__provider).toContain("openbatch/provider/dynamic/applicationProvider");
  });

  it("registers the package after its application, and the pool after the package", () => {
    expect(captured.map((r) => r.name)).toEqual(["acct", "blender", "blender-4.1", "render"]);
    expect(captured[2]!.inputs).toMatchObject({
      applicationId: "blender",
      version: "4.1",
      archivePath: "dist/blender.tar.gz",
      isDefault: true,
      endpoint: placeholder("acct", "endpoint"),
    });
    expect(captured[2]!.inputs.__provider).toContain("openbatch/provider/dynamic/applicationPackageProvider");
    expect(captured[3]!.inputs.applicationPackages).toEqual([{ id: "blender", version: "4.1" }]);
  });
});
