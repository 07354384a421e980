import { readFileSync } from "node:fs";
import { InvalidArgumentError } from "commander";
import type { ApplicationPackageReference } from "../protocol/rest/application.js";
import type { EnvironmentSetting } from "../protocol/rest/common.js";
import { UsageError } from "./errors.js";
import { parseJsonText } from "./jsonSyntax.js";

/** Commander argument parsers: a bad value becomes a usage error naming the option. */
export function integer(value: string): number {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError("expected an integer.");
  return Number(value);
}

export function nonNegativeInteger(value: string): number {
  const n = integer(value);
  if (n < 0) throw new InvalidArgumentError("expected an integer >= 0.");
  return n;
}

export function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError("expected a number >= 0.");
  return n;
}

export function positiveInteger(value: string): number {
  const n = integer(value);
  if (n < 1) throw new InvalidArgumentError("expected an integer >= 1.");
  return n;
}

/** `--env NAME=VALUE`, repeatable. */
export function environmentSetting(value: string, previous: EnvironmentSetting[] = []): EnvironmentSetting[] {
  const equals = value.indexOf("=");
  if (equals < 1) throw new InvalidArgumentError("expected NAME=VALUE.");
  return [...previous, { name: value.slice(0, equals), value: value.slice(equals + 1) }];
}

/** `--application-package APP[:VERSION]`, repeatable; without a version, the application's default. */
export function applicationPackageReference(
  value: string,
  previous: ApplicationPackageReference[] = [],
): ApplicationPackageReference[] {
  const colon = value.indexOf(":");
  const applicationId = colon < 0 ? value : value.slice(0, colon);
  const version = colon < 0 ? undefined : value.slice(colon + 1);
  if (!applicationId || version === "") throw new InvalidArgumentError("expected APP or APP:VERSION.");
  return [...previous, version === undefined ? { applicationId } : { applicationId, version }];
}

/** Why a file could not be read, in words (the errno code stays for searching). */
const readFailures: Record<string, string> = {
  ENOENT: "no such file",
  EISDIR: "it is a directory",
  EACCES: "permission denied",
};

/**
 * Reads a request body given with `--json-file`; the service validates its content. A missing file
 * or invalid JSON is a usage error naming the file (and the line and column of the JSON error).
 */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new UsageError(`cannot read --json-file ${path}: ${readFailures[code] ?? "error"} (${code})`);
  }
  try {
    return parseJsonText(text);
  } catch (error) {
    throw new UsageError(`--json-file ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** `readJsonFile` for bodies that must be one JSON object. */
export function readJsonObject(path: string): Record<string, unknown> {
  const value = readJsonFile(path);
  if (!isJsonObject(value)) throw new UsageError(`--json-file ${path} must hold one JSON object`);
  return value;
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The file is the whole request body, as with `az batch ... --json-file`: a flag that sets part of
 * the body next to it is refused rather than silently winning or losing. `flags`: flag name → value.
 */
export function refuseFlagsBesideJsonFile(path: string, flags: Record<string, unknown>): void {
  const given = Object.keys(flags).filter((flag) => flags[flag] !== undefined && flags[flag] !== false);
  if (given.length === 0) return;
  throw new UsageError(
    `--json-file ${path} is the whole request body, so ${given.join(", ")} cannot be given with it; ` +
      `put ${given.length === 1 ? "that property" : "those properties"} in the file instead`,
  );
}

/**
 * A `--json-file` body with the id argument: the argument fills in an id the file lacks, and must
 * equal the file's id when both are given; one of them must give it. `noun`: "pool", "job", "task".
 */
export function withIdArgument(
  body: Record<string, unknown>,
  id: string | undefined,
  path: string,
  noun: string,
): Record<string, unknown> {
  if (id !== undefined && body.id !== undefined && body.id !== id) {
    throw new UsageError(
      `the id argument '${id}' differs from the id '${String(body.id)}' in --json-file ${path}; give one of them`,
    );
  }
  if (id === undefined && body.id === undefined) {
    throw new UsageError(`give the ${noun} id as an argument or as id in --json-file ${path}`);
  }
  return id === undefined ? body : { ...body, id };
}

/** The request body of a create command given as `--json-file`: one object, with its id, and no flags beside it. */
export function readJsonBody(
  path: string,
  id: string | undefined,
  noun: string,
  flagsBeside: Record<string, unknown>,
): Record<string, unknown> {
  refuseFlagsBesideJsonFile(path, flagsBeside);
  return withIdArgument(readJsonObject(path), id, path, noun);
}

/** The flags that were given, as a request body (commander leaves the others undefined). */
export function definedOnly<T>(flags: Partial<T>): T {
  return Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined)) as T;
}

const durationUnits = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** `--timeout 90s`, `10m`, `1.5h`, `500ms`, or plain seconds → milliseconds. */
export function durationMs(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError("expected a duration such as 90s, 10m or 1h.");
  return Number(match[1]) * durationUnits[(match[2] ?? "s") as keyof typeof durationUnits];
}
