import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CliContext } from "../../../cli/context.js";
import { run } from "../../../cli/program.js";

describe("openbatch service start", () => {
  it("starts the service, prints and saves its credentials, and closes it on a signal", async () => {
    const dir = mkdtempSync(join(tmpdir(), "openbatch-service-"));
    let stdout = "";
    const started: unknown[] = [];
    let closed = 0;
    const context: CliContext = {
      env: { OPENBATCH_CONFIG: join(dir, "config.json"), OPENBATCH_ACCOUNT_NAME: "envname" },
      stdout: (data) => {
        stdout += String(data);
      },
      stderr: () => {},
      // As if Ctrl+C came right after start-up.
      untilShutdown: () => Promise.resolve("SIGINT"),
      startService: async (options) => {
        started.push(options);
        return {
          endpoint: `http://${options.host}:${options.port}`,
          accountName: options.accountName,
          accountKey: options.accountKey ?? "Z2VuZXJhdGVk",
          close: async () => {
            closed++;
          },
        };
      },
    };
    const args = ["node", "openbatch", "service", "start", "--port", "9999", "--data-dir", join(dir, "data")];
    expect(await run(args, context)).toBe(0);

    expect(started).toEqual([
      {
        host: "127.0.0.1",
        port: 9999,
        dataDir: join(dir, "data"),
        accountName: "envname",
        accountKey: undefined,
        provisioner: "local",
        networkIsolation: "auto",
      },
    ]);
    expect(closed).toBe(1);
    expect(stdout).toContain("account key:  Z2VuZXJhdGVk");
    expect(stdout).toContain(
      "export OPENBATCH_ENDPOINT=http://127.0.0.1:9999 OPENBATCH_ACCOUNT_NAME=envname OPENBATCH_ACCOUNT_KEY=Z2VuZXJhdGVk",
    );
    expect(JSON.parse(readFileSync(join(dir, "config.json"), "utf8"))).toEqual({
      endpoint: "http://127.0.0.1:9999",
      accountName: "envname",
      accountKey: "Z2VuZXJhdGVk",
    });
  });
});

describe("openbatch service start --provisioner (local, external, azure, aws) and --heartbeat-interval-ms", () => {
  async function start(
    extra: string[],
    env: NodeJS.ProcessEnv = {},
  ): Promise<{ code: number; stderr: string; started: unknown[] }> {
    const dir = mkdtempSync(join(tmpdir(), "openbatch-service-"));
    let stderr = "";
    const started: unknown[] = [];
    const context: CliContext = {
      env: { OPENBATCH_CONFIG: join(dir, "config.json"), ...env },
      stdout: () => {},
      stderr: (text) => {
        stderr += text;
      },
      untilShutdown: () => Promise.resolve("SIGINT"),
      startService: async (options) => {
        started.push(options);
        return {
          endpoint: "http://127.0.0.1:1",
          accountName: "local",
          accountKey: "a2V5",
          close: async () => {},
        };
      },
    };
    const args = ["node", "openbatch", "service", "start", "--data-dir", join(dir, "data"), ...extra];
    return { code: await run(args, context), stderr, started };
  }

  it("passes them to the service", async () => {
    const { code, started } = await start([
      "--provisioner",
      "external",
      "--heartbeat-interval-ms",
      "1000",
      "--network-isolation",
      "loopback",
    ]);
    expect(code).toBe(0);
    expect(started).toEqual([
      expect.objectContaining({
        provisioner: "external",
        heartbeatIntervalMs: 1000,
        networkIsolation: "loopback",
      }),
    ]);
  });

  it("passes --store to the service", async () => {
    const url = "postgres://ob@127.0.0.1:5432/batch?schema=acct1";
    const { code, started } = await start(["--store", url]);
    expect(code).toBe(0);
    expect(started).toEqual([expect.objectContaining({ store: url })]);
  });

  it("passes the preemption rate, seed and restore time", async () => {
    const given = [
      "--preemption-rate",
      "2.5",
      "--preemption-seed",
      "42",
      "--preempted-node-restore",
      "PT30S",
    ];
    const { code, started } = await start(given);
    expect(code).toBe(0);
    expect(started).toEqual([
      expect.objectContaining({ preemption: { ratePerHour: 2.5, seed: 42, restoreAfter: "PT30S" } }),
    ]);
    const negative = await start(["--preemption-rate", "-1"]);
    expect(negative.code).not.toBe(0);
    expect(negative.stderr).toContain("expected a number >= 0");
  });

  it("refuses an unknown provisioner and an interval under 100 ms", async () => {
    const unknown = await start(["--provisioner", "cloud"]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("local, external");
    const short = await start(["--heartbeat-interval-ms", "50"]);
    expect(short.code).not.toBe(0);
    expect(short.stderr).toContain("at least 100");
    expect([...unknown.started, ...short.started]).toEqual([]);
  });

  it("passes where the scale sets are, from flags or the environment", async () => {
    const azure = await start(
      ["--provisioner", "azure", "--azure-resource-group", "rg", "--scale-set-prefix", "batch-"],
      { AZURE_SUBSCRIPTION_ID: "sub" },
    );
    expect(azure.code).toBe(0);
    expect(azure.started).toEqual([
      expect.objectContaining({
        provisioner: "azure",
        azure: { subscriptionId: "sub", resourceGroup: "rg", scaleSetPrefix: "batch-" },
      }),
    ]);
    const aws = await start(["--provisioner", "aws", "--aws-region", "eu-west-1"]);
    expect(aws.started).toEqual([
      expect.objectContaining({
        provisioner: "aws",
        aws: { region: "eu-west-1", autoScalingGroupPrefix: undefined },
      }),
    ]);
  });

  it("names a missing flag, and a flag meant for the other cloud", async () => {
    const missing = await start(["--provisioner", "azure", "--azure-subscription-id", "sub"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      "--provisioner azure needs --azure-resource-group (or OPENBATCH_AZURE_RESOURCE_GROUP)",
    );
    const noRegion = await start(["--provisioner", "aws"]);
    expect(noRegion.stderr).toContain("--provisioner aws needs --aws-region (or AWS_REGION)");
    const misplaced = await start([
      "--provisioner",
      "aws",
      "--aws-region",
      "r",
      "--azure-resource-group",
      "rg",
    ]);
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toContain("--azure-resource-group applies to --provisioner azure only, not aws");
    expect([...missing.started, ...noRegion.started, ...misplaced.started]).toEqual([]);
  });
});

describe("openbatch service start, when the service cannot start", () => {
  async function startFailing(error: Error): Promise<{ code: number; stderr: string }> {
    const dir = mkdtempSync(join(tmpdir(), "openbatch-service-"));
    let stderr = "";
    const context: CliContext = {
      env: { OPENBATCH_CONFIG: join(dir, "config.json") },
      stdout: () => {},
      stderr: (text) => {
        stderr += text;
      },
      untilShutdown: () => new Promise(() => {}),
      startService: () => Promise.reject(error),
    };
    const args = ["node", "openbatch", "service", "start", "--port", "9999", "--data-dir", join(dir, "data")];
    return { code: await run(args, context), stderr };
  }

  it("prints the reason as an error line and exits 1, without a stack trace", async () => {
    const { code, stderr } = await startFailing(new Error("Account name 'X' is invalid."));
    expect(code).toBe(1);
    expect(stderr).toBe("error: ServiceNotStarted: Account name 'X' is invalid.\n");
  });

  it("says what to do when the port is taken", async () => {
    const inUse = Object.assign(new Error("listen EADDRINUSE: address already in use 127.0.0.1:9999"), {
      code: "EADDRINUSE",
    });
    const { code, stderr } = await startFailing(inUse);
    expect(code).toBe(1);
    expect(stderr).toContain("port 9999 on 127.0.0.1 is already in use");
    expect(stderr).toContain("--port");
  });
});
