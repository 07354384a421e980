/**
 * Pure helpers shared by the dynamic providers: which input changes replace a resource and which
 * update it in place, as one table per resource, and the check failures' wording.
 */
import { isDeepStrictEqual } from "node:util";
import type * as pulumi from "@pulumi/pulumi";

/** What a change of an input does: a new resource, an update in place, or nothing on the service. */
export type ChangeEffect = "replace" | "update";

/** Every input of a resource and the effect of changing it. */
export type ChangeTable<T> = Record<keyof T & string, ChangeEffect>;

/** The inputs whose values differ, compared as JSON values (absent = undefined). */
export function changedInputs<T extends object>(
  olds: Partial<T>,
  news: Partial<T>,
  table: ChangeTable<T>,
): string[] {
  return Object.keys(table).filter(
    (key) => !isDeepStrictEqual(olds[key as keyof T] ?? null, news[key as keyof T] ?? null),
  );
}

/**
 * The diff Pulumi wants: `replaces` lists the changed inputs the table marks `replace`;
 * `deleteBeforeReplace` because these resources' ids are chosen by the user (a new one with the same
 * id cannot exist beside the old one).
 */
export function diffByTable<T extends object>(
  olds: Partial<T>,
  news: Partial<T>,
  table: ChangeTable<T>,
): pulumi.dynamic.DiffResult {
  const changed = changedInputs(olds, news, table);
  const replaces = changed.filter((key) => table[key as keyof T & string] === "replace");
  return { changes: changed.length > 0, replaces, deleteBeforeReplace: replaces.length > 0 };
}

/** Drops `undefined` values (the engine's Struct cannot carry them), at every depth. */
export function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutUndefined) as T;
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, withoutUndefined(v)]),
  ) as T;
}

export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** A check failure for an id that the service would refuse. */
export function idFailure(property: string, value: unknown): pulumi.dynamic.CheckFailure | undefined {
  if (typeof value === "string" && ID_PATTERN.test(value)) return undefined;
  return {
    property,
    reason: `${property} '${String(value)}' is not a valid id: use 1 to 64 letters, digits, '-' and '_' (set ${property} explicitly if the resource name does not fit).`,
  };
}
