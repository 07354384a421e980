import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { UsageError } from "./errors.js";

/** What the CLI needs to sign requests to one account service. */
export interface Credentials {
  endpoint: string;
  accountName: string;
  accountKey: string;
}

type Field = keyof Credentials;

const sources: Record<Field, { flag: string; placeholder: string; env: string }> = {
  endpoint: { flag: "--endpoint", placeholder: "<url>", env: "OPENBATCH_ENDPOINT" },
  accountName: { flag: "--account-name", placeholder: "<name>", env: "OPENBATCH_ACCOUNT_NAME" },
  accountKey: { flag: "--account-key", placeholder: "<base64>", env: "OPENBATCH_ACCOUNT_KEY" },
};
const fields = Object.keys(sources) as Field[];

/** `$OPENBATCH_CONFIG`, else `~/.openbatch/config.json`. */
export function configPath(env: NodeJS.ProcessEnv): string {
  return env.OPENBATCH_CONFIG || join(homedir(), ".openbatch", "config.json");
}

export function readConfig(path: string): Partial<Credentials> {
  if (!existsSync(path)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new UsageError(
      `the config file ${path} is not valid JSON (${(error as Error).message}); fix or delete it`,
    );
  }
  if (typeof parsed !== "object" || parsed === null) {
    throw new UsageError(
      `the config file ${path} must hold an object {"endpoint","accountName","accountKey"}`,
    );
  }
  const config: Partial<Credentials> = {};
  for (const field of fields) {
    const value = (parsed as Record<string, unknown>)[field];
    if (typeof value === "string" && value) config[field] = value;
  }
  return config;
}

/** Written by `service start` so that later commands find the service without flags; readable by the owner only. */
export function writeConfig(path: string, credentials: Credentials): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/**
 * Each credential comes from its flag, else its environment variable, else the config file.
 * The config file is read only when something is still missing.
 */
export function resolveCredentials(flags: Partial<Credentials>, env: NodeJS.ProcessEnv): Credentials {
  const resolved: Partial<Credentials> = {};
  for (const field of fields) resolved[field] = flags[field] || env[sources[field].env] || undefined;
  const path = configPath(env);
  if (fields.some((field) => !resolved[field])) {
    const config = readConfig(path);
    for (const field of fields) resolved[field] ??= config[field];
  }
  const missing = fields.filter((field) => !resolved[field]);
  if (missing.length > 0) throw new UsageError(missingCredentialsMessage(missing, path));
  return resolved as Credentials;
}

function missingCredentialsMessage(missing: Field[], path: string): string {
  const names = { endpoint: "endpoint", accountName: "account name", accountKey: "account key" };
  return [
    `no ${missing.map((field) => names[field]).join(", ")} for the Batch service. Provide ${missing.length > 1 ? "them" : "it"} with`,
    `  flags:       ${missing.map((f) => `${sources[f].flag} ${sources[f].placeholder}`).join(" ")}`,
    `  environment: ${missing.map((f) => `${sources[f].env}=...`).join(" ")}`,
    `  or the config file ${path} {"endpoint","accountName","accountKey"},`,
    "  which `openbatch service start` writes for you.",
  ].join("\n");
}
