import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readConfig, resolveCredentials, writeConfig } from "../../../cli/credentials.js";
import { UsageError } from "../../../cli/errors.js";

const dir = mkdtempSync(join(tmpdir(), "openbatch-credentials-"));
const configFile = join(dir, "config.json");
writeConfig(configFile, { endpoint: "http://config:1", accountName: "fromconfig", accountKey: "Y29uZmln" });

describe("resolveCredentials", () => {
  it("takes each credential from its flag, else the environment, else the config file", () => {
    const env = {
      OPENBATCH_CONFIG: configFile,
      OPENBATCH_ACCOUNT_NAME: "fromenv",
      OPENBATCH_ACCOUNT_KEY: "ZW52",
    };
    expect(resolveCredentials({ accountKey: "ZmxhZw==" }, env)).toEqual({
      endpoint: "http://config:1",
      accountName: "fromenv",
      accountKey: "ZmxhZw==",
    });
  });

  it("does not read the config file when flags and environment suffice", () => {
    const broken = join(dir, "broken.json");
    writeFileSync(broken, "{not json");
    const env = { OPENBATCH_CONFIG: broken, OPENBATCH_ENDPOINT: "http://env:1" };
    expect(resolveCredentials({ accountName: "a", accountKey: "b" }, env).endpoint).toBe("http://env:1");
    expect(() => resolveCredentials({}, env)).toThrow(/broken\.json is not valid JSON/);
  });

  it("names every missing credential with its flag, variable and the config file", () => {
    const env = { OPENBATCH_CONFIG: join(dir, "absent.json"), OPENBATCH_ACCOUNT_NAME: "a" };
    const error = (() => {
      try {
        resolveCredentials({}, env);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect(error?.message).toContain("no endpoint, account key for the Batch service");
    expect(error?.message).toContain("--endpoint <url> --account-key <base64>");
    expect(error?.message).toContain("OPENBATCH_ENDPOINT=... OPENBATCH_ACCOUNT_KEY=...");
    expect(error?.message).toContain(join(dir, "absent.json"));
    expect(error?.message).toContain("openbatch service start");
    expect(error?.message).not.toContain("account name");
  });
});

describe("config file", () => {
  it("is written readable by its owner only and read back", () => {
    expect(statSync(configFile).mode & 0o777).toBe(0o600);
    expect(readConfig(configFile)).toEqual({
      endpoint: "http://config:1",
      accountName: "fromconfig",
      accountKey: "Y29uZmln",
    });
    expect(readConfig(join(dir, "absent.json"))).toEqual({});
  });
});
