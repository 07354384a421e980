/**
 * examples/automation's inline program under Pulumi mocks (the Automation API itself needs the Pulumi
 * CLI): it declares examples/local's resources from the stack's config, makes the test certificate
 * and the package archive, and returns the outputs the program prints.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, describe, expect, it } from "vitest";
import { captureResources, openbatchOutputs, placeholder } from "../../pulumi/capturedResources.js";

const PROJECT = "openbatch-automation";
const captured = captureResources(openbatchOutputs, PROJECT);
const buildDir = fs.mkdtempSync(path.join(os.tmpdir(), "openbatch-automation-"));
pulumi.runtime.setAllConfig({
  [`${PROJECT}:nodeCount`]: "3",
  [`${PROJECT}:buildDir`]: buildDir,
  [`${PROJECT}:appDir`]: "examples/local/app",
  [`${PROJECT}:dataDir`]: `${buildDir}/account`,
});
const { inlineProgram } = await import("../../../examples/automation/program.js");

describe("examples/automation's inline program", () => {
  afterAll(() => fs.rmSync(buildDir, { recursive: true, force: true }));

  it("declares the local example's resources in dependency order, from the stack's config", async () => {
    const outputs = await inlineProgram();
    const value = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));
    expect(await value(outputs.poolId)).toBe("workers");
    const order = captured.map((r) => r.name);
    expect([...order].sort()).toEqual(["example", "hello", "hello-1.0", "local", "workers"]);
    expect(order[0]).toBe("local");
    expect(order.indexOf("hello")).toBeLessThan(order.indexOf("hello-1.0"));
    expect(order.at(-1)).toBe("workers");
    const pool = captured.find((r) => r.name === "workers")!.inputs;
    expect(pool).toMatchObject({
      scaleSettings: { fixedScale: { targetDedicatedNodes: 3 } },
      certificates: [{ thumbprint: placeholder("example", "thumbprint") }],
      applicationPackages: [{ id: "hello" }],
    });
    expect(captured.find((r) => r.name === "hello-1.0")!.inputs).toMatchObject({
      applicationId: "hello",
      version: "1.0",
      archivePath: `${buildDir}/hello-1.0.tar.gz`,
      isDefault: true,
    });
    expect(await pulumi.isSecret(outputs.primaryKey)).toBe(true);
  });

  it("makes the certificate once (its thumbprint stays) and the same archive from the same files", async () => {
    const pfx = fs.readFileSync(`${buildDir}/example.pfx`);
    const archive = fs.readFileSync(`${buildDir}/hello-1.0.tar.gz`);
    await inlineProgram();
    expect(fs.readFileSync(`${buildDir}/example.pfx`)).toEqual(pfx);
    expect(fs.readFileSync(`${buildDir}/hello-1.0.tar.gz`)).toEqual(archive);
    expect(fs.readdirSync(buildDir).sort()).toEqual(["example.pem", "example.pfx", "hello-1.0.tar.gz"]);
  });
});
