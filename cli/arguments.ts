import { readFileSync } from "node:fs";
import { InvalidArgumentError } from "commander";
import type { EnvironmentSetting } from "../protocol/rest/common.js";
import { UsageError } from "./errors.js";

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

/** Reads a request body given with `--json-file`; the service validates its content. */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(
      `cannot read --json-file ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--json-file ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** `readJsonFile` for bodies that must be one JSON object. */
export function readJsonObject(path: string): Record<string, unknown> {
  const value = readJsonFile(path);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new UsageError(`--json-file ${path} must hold one JSON object`);
  }
  return value as Record<string, unknown>;
}

/** A `--json-file` body with the flags that were given laid over it (flags win). */
export function overlay<T>(base: Record<string, unknown>, flags: Partial<T>): T {
  const given = Object.entries(flags).filter(([, value]) => value !== undefined);
  return { ...base, ...Object.fromEntries(given) } as T;
}
