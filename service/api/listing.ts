/**
 * List operations: reading `$filter`, `$select`, `maxresults` and `$skiptoken`, filling a page from
 * a seq-ordered source, and the Azure envelope with `odata.nextLink` while more items remain.
 */
import type { FastifyRequest } from "fastify";
import type { TSchema } from "typebox";
import { API_VERSION } from "../../protocol/apiVersion.js";
import { BatchError } from "../../protocol/errors.js";
import type { List } from "../../protocol/rest/common.js";
import { decodeSkipToken, encodeSkipToken } from "../core/paging.js";
import {
  applySelect,
  type FilterExpression,
  filterPaths,
  matchesFilter,
  parseFilter,
  parseSelect,
  stateEquality,
} from "./odata.js";

export const MAX_RESULTS = 1000;

export interface ListQuery {
  filterText?: string;
  filter?: FilterExpression;
  /** From a top-level `state eq '...'`: served by the store's state index. */
  state?: string;
  selectText?: string;
  select?: string[];
  maxResults: number;
  /** From `$skiptoken`: continue after this seq. */
  afterSeq?: number;
}

/** The first value of a query parameter (repeated parameters: the first counts, as in SharedKey). */
export function queryValue(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, unknown>)[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === "string" ? first : undefined;
}

function invalidQuery(name: string, value: string, reason: string): BatchError {
  return new BatchError("InvalidQueryParameterValue", `${name}=${value}: ${reason}`, [
    { key: "QueryParameterName", value: name },
    { key: "QueryParameterValue", value },
    { key: "Reason", value: reason },
  ]);
}

/**
 * Reads the list parameters of a request for items of `itemSchema` (the REST model, e.g. `Task`): a
 * `$filter` or `$select` naming a property the model does not have is refused, not read as null.
 */
export function readListQuery(request: FastifyRequest, itemSchema: TSchema): ListQuery {
  const filterText = queryValue(request, "$filter");
  const selectText = queryValue(request, "$select");
  const maxText = queryValue(request, "maxresults");
  const token = queryValue(request, "$skiptoken");
  let maxResults = MAX_RESULTS;
  if (maxText !== undefined) {
    maxResults = /^\d+$/.test(maxText.trim()) ? Number(maxText) : Number.NaN;
    if (!(maxResults >= 1 && maxResults <= MAX_RESULTS)) {
      throw invalidQuery("maxresults", maxText, `it must be an integer from 1 to ${MAX_RESULTS}.`);
    }
  }
  const filter = filterText !== undefined && filterText.trim() !== "" ? parseFilter(filterText) : undefined;
  const select = readSelect(request, itemSchema);
  for (const path of filter ? filterPaths(filter) : []) {
    if (!hasProperty(itemSchema, path)) {
      throw invalidQuery(
        "$filter",
        filterText!,
        `'${path.join("/")}' is not a property of the listed items.`,
      );
    }
  }
  return {
    filterText: filter ? filterText : undefined,
    filter,
    state: filter ? stateEquality(filter) : undefined,
    selectText,
    select,
    maxResults,
    afterSeq: decodeSkipToken(token),
  };
}

/** `$select` of a list or a get, checked against the returned model `itemSchema`. */
export function readSelect(request: FastifyRequest, itemSchema: TSchema): string[] | undefined {
  const selectText = queryValue(request, "$select");
  const select = parseSelect(selectText);
  for (const name of select ?? []) {
    if (!hasProperty(itemSchema, [name])) {
      throw invalidQuery("$select", selectText!, `'${name}' is not a property of this resource.`);
    }
  }
  return select;
}

/** `$expand=stats` (the only expansion the reference has for jobs and tasks): whether it was asked for. */
export function readExpandStats(request: FastifyRequest): boolean {
  const text = queryValue(request, "$expand");
  if (text === undefined || text === "") return false;
  const names = text.split(",").map((n) => n.trim());
  for (const name of names)
    if (name !== "stats")
      throw invalidQuery("$expand", text, `'${name}' cannot be expanded; use $expand=stats.`);
  return true;
}

/** `recursive=true|false` of the file lists (default false). */
export function readBoolean(request: FastifyRequest, name: string): boolean {
  const text = queryValue(request, name);
  if (text === undefined || text === "") return false;
  const lower = text.toLowerCase();
  if (lower === "true") return true;
  if (lower === "false") return false;
  throw invalidQuery(name, text, "it must be true or false.");
}

export interface Page<V> {
  items: V[];
  /** Seq of the last item returned, when more items match after it. */
  nextAfterSeq?: number;
}

/**
 * Fills one page: fetches records after the cursor in batches, keeps those whose view matches the
 * filter, and stops at `maxResults`. A next page is announced only if one more matching item exists.
 */
export function fillPage<R extends { seq: number }, V>(
  query: ListQuery,
  fetch: (afterSeq: number | undefined, limit: number) => R[],
  view: (record: R) => V,
): Page<V> {
  const items: V[] = [];
  let lastSeq: number | undefined;
  let cursor = query.afterSeq;
  const batch = query.maxResults + 1;
  for (;;) {
    const records = fetch(cursor, batch);
    for (const record of records) {
      cursor = record.seq;
      const item = view(record);
      if (query.filter && !matchesFilter(query.filter, item)) continue;
      if (items.length === query.maxResults) return { items, nextAfterSeq: lastSeq };
      items.push(item);
      lastSeq = record.seq;
    }
    if (records.length < batch) return { items };
  }
}

/** An in-memory list paged by position: item i has seq i + 1. */
export function fromArray<T>(
  all: readonly T[],
): (afterSeq: number | undefined, limit: number) => { seq: number; item: T }[] {
  return (afterSeq, limit) => {
    const start = afterSeq ?? 0;
    return all.slice(start, start + limit).map((item, i) => ({ seq: start + i + 1, item }));
  };
}

/**
 * The list body: `odata.metadata`, the selected items, and `odata.nextLink` repeating the request's
 * path, filter, select and page size (plus `extraQuery`, e.g. `recursive`) with the next `$skiptoken`.
 */
export function listBody<V extends object>(
  request: FastifyRequest,
  endpoint: string,
  metadata: string,
  query: ListQuery,
  page: Page<V>,
  extraQuery: Record<string, string | undefined> = {},
): List<Partial<V>> {
  const body: List<Partial<V>> = {
    "odata.metadata": `${endpoint}/$metadata#${metadata}`,
    value: page.items.map((item) => applySelect(item, query.select)),
  };
  if (page.nextAfterSeq !== undefined) {
    const path = (request.raw.url ?? request.url).split("?")[0];
    const params: [string, string | undefined][] = [
      ["api-version", API_VERSION],
      ["maxresults", String(query.maxResults)],
      ["$skiptoken", encodeSkipToken(page.nextAfterSeq)],
      ["$filter", query.filterText],
      ["$select", query.selectText],
      ...Object.entries(extraQuery),
    ];
    const search = params
      .filter((p): p is [string, string] => p[1] !== undefined)
      .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
      .join("&");
    body["odata.nextLink"] = `${endpoint}${path}?${search}`;
  }
  return body;
}

/** Whether `path` names a property of the objects `schema` describes (through nested objects and arrays). */
function hasProperty(schema: TSchema, path: readonly string[]): boolean {
  let current: unknown = schema;
  for (const segment of path) {
    const node = current as { properties?: Record<string, unknown>; items?: unknown };
    const object = node.items && !node.properties ? (node.items as typeof node) : node;
    if (!object.properties || !Object.hasOwn(object.properties, segment)) return false;
    current = object.properties[segment];
  }
  return true;
}
