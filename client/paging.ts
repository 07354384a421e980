import type { List } from "../protocol/rest/common.js";
import type { BatchHttp, QueryValue } from "./http.js";

/** OData options every Azure Batch list accepts. */
export interface ListOptions {
  /** OData `$filter`, e.g. `state eq 'active'`. */
  filter?: string;
  /** OData `$select`: comma-separated property names to return. */
  select?: string;
  /** Items per page (the service caps it). */
  maxResults?: number;
}

/** One page: either the first (with list options) or the one an `odata.nextLink` points at. */
export interface PageOptions extends ListOptions {
  nextLink?: string;
}

export function listPage<T>(
  http: BatchHttp,
  path: string,
  options: PageOptions = {},
  query: Record<string, QueryValue> = {},
): Promise<List<T>> {
  if (options.nextLink) return http.jsonAt<List<T>>(options.nextLink);
  return http.json<List<T>>({
    method: "GET",
    path,
    query: { ...query, $filter: options.filter, $select: options.select, maxresults: options.maxResults },
  });
}

/** Every item of every page; the next page is fetched only when iteration reaches it. */
export async function* listAll<T>(
  http: BatchHttp,
  path: string,
  options: ListOptions = {},
  query: Record<string, QueryValue> = {},
): AsyncGenerator<T> {
  let page = await listPage<T>(http, path, options, query);
  for (;;) {
    yield* page.value;
    const nextLink = page["odata.nextLink"];
    if (!nextLink) return;
    page = await listPage<T>(http, path, { nextLink });
  }
}

/** Drains an async iterable into an array (Node 20 has no `Array.fromAsync`). */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const result: T[] = [];
  for await (const item of items) result.push(item);
  return result;
}
