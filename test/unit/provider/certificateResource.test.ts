/**
 * The Certificate resource under Pulumi mocks: data and password reach the engine only as secrets
 * (and are listed as secret outputs), and a pool references it by its computed thumbprint.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { captureResources, openbatchOutputs, placeholder, settled } from "../../pulumi/capturedResources.js";

const captured = captureResources(openbatchOutputs);
const { Account, Certificate, Pool } = await import("../../../provider/index.js");
const SECRET = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" };

describe("Certificate under mocks", () => {
  const account = new Account("acct");
  const certificate = new Certificate("cert", { account, data: "UEZYLWJ5dGVz", password: "pw-1234" });
  const pool = new Pool("workers", {
    account,
    vmSize: "standard_d2s_v3",
    certificates: [{ thumbprint: certificate.thumbprint, visibility: ["task"] }],
  });

  it("registers data and password as secrets, never in plain text", async () => {
    await settled(pool.poolName);
    const registered = captured.find((r) => r.name === "cert")!;
    expect(registered.type).toBe("pulumi-nodejs:dynamic/openbatch:Certificate");
    expect(registered.inputs.data).toEqual({ ...SECRET, value: "UEZYLWJ5dGVz" });
    expect(registered.inputs.password).toEqual({ ...SECRET, value: "pw-1234" });
    expect(registered.inputs.__provider).toContain("openbatch/provider/dynamic/certificateProvider");
    const data = (certificate as unknown as { data: pulumi.Output<string> }).data;
    expect(await pulumi.isSecret(data)).toBe(true);
  });

  it("is referenced by the pool through its thumbprint output", () => {
    expect(captured.find((r) => r.name === "workers")!.inputs.certificates).toEqual([
      { thumbprint: placeholder("cert", "thumbprint"), visibility: ["task"] },
    ]);
  });

  it("keeps the pool's join token secret in the program", async () => {
    expect(await pulumi.isSecret(pool.joinToken)).toBe(true);
  });
});
