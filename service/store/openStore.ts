/**
 * Chooses and opens the account's store from `--store`: `sqlite` (the default: `<dataDir>/account.db`)
 * or a `postgres://` / `postgresql://` URL (postgres.ts).
 */
import path from "node:path";
import { openPostgresStore } from "./postgres.js";
import { SqliteStore } from "./sqlite.js";
import type { Store } from "./store.js";

export async function openStore(
  store: string | undefined,
  dataDir: string,
  onFatal: (error: Error) => void,
): Promise<Store> {
  if (store === undefined || store === "sqlite") return new SqliteStore(path.join(dataDir, "account.db"));
  if (/^postgres(ql)?:\/\//.test(store)) return openPostgresStore(store, { onFatal });
  throw new Error(
    `The store '${store}' is neither 'sqlite' nor a PostgreSQL URL: use sqlite (the default, ` +
      "<data-dir>/account.db) or postgres://user@host:port/database?schema=name.",
  );
}
