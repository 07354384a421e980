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
