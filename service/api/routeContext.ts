/** What every route file gets: the account and its public base URL (read per request: it is set once the server listens). */
import type { Account } from "../core/account.js";

export interface RouteContext {
  account: Account;
  /** `account.config.endpoint` without a trailing slash, e.g. `http://127.0.0.1:8765`. */
  endpoint(): string;
}

export function routeContext(account: Account): RouteContext {
  return { account, endpoint: () => account.config.endpoint.replace(/\/+$/, "") };
}
