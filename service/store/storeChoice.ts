/**
 * Which store `--store` names: `sqlite` (the default: `<dataDir>/account.db`, one service) or a
 * `postgres://` / `postgresql://` URL, on which the service runs as one of the account's replicas
 * (service/replicas/replica.ts): the replica that leads opens the PostgresStore (postgres.ts) on its
 * lease's session.
 */
import path from "node:path";

export type StoreChoice = { kind: "sqlite"; file: string } | { kind: "postgres"; url: string };

export function chooseStore(store: string | undefined, dataDir: string): StoreChoice {
  if (store === undefined || store === "sqlite")
    return { kind: "sqlite", file: path.join(dataDir, "account.db") };
  if (/^postgres(ql)?:\/\//.test(store)) return { kind: "postgres", url: store };
  throw new Error(
    `The store '${store}' is neither 'sqlite' nor a PostgreSQL URL: use sqlite (the default, ` +
      "<data-dir>/account.db) or postgres://user@host:port/database?schema=name.",
  );
}
