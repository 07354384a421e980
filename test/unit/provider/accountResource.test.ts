/**
 * The Account resource under Pulumi mocks: the inputs it registers (defaults from the stack and
 * resource name), its key outputs kept secret, and its provider serializable as the engine stores it.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { captureResources, openbatchOutputs, settled } from "../../pulumi/capturedResources.js";

const captured = captureResources(openbatchOutputs, "proj", "dev");
const { Account } = await import("../../../provider/index.js");

function resolved<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

describe("Account under mocks", () => {
  const account = new Account("main", { accountKey: "c2l4dGVlbiBieXRlcyBvZiBrZXk=" });

  it("registers the stack's data directory and the resource name as account name", async () => {
    await settled(account.endpoint);
    const [registered] = captured;
    expect(registered).toMatchObject({
      type: "pulumi-nodejs:dynamic/openbatch:Account",
      name: "main",
      inputs: { accountName: "main", dataDir: "~/.openbatch/pulumi/proj-dev-main" },
    });
  });

  it("carries a provider that requires its implementation by package name", () => {
    const serialized = captured[0]!.inputs.__provider as string;
    expect(serialized).toContain("exports.handler");
    expect(serialized).toContain("openbatch/provider/dynamic/accountProvider");
  });

  it("keeps the key secret, as output and as input", async () => {
    expect(await pulumi.isSecret(account.primaryKey)).toBe(true);
    expect(await resolved(account.primaryKey)).toBe("«main.primaryKey»");
    expect(await pulumi.isSecret(account.endpoint)).toBe(false);
  });
});
