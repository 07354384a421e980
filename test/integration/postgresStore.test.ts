/**
 * The PostgreSQL store: the Store conformance suite on a throwaway cluster (one schema per case),
 * then what only this store has: coalesced group commits, a lost session being fatal, concurrent
 * migrations, the URL's schema.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPostgresStore, type PostgresStore } from "../../service/store/postgres.js";
import { type PostgresCluster, startPostgresCluster } from "../postgresCluster.js";
import { describeStoreConformance, task } from "../storeConformance.js";

let cluster: PostgresCluster;
let schemas = 0;
beforeAll(async () => {
  cluster = await startPostgresCluster();
});
afterAll(() => cluster?.stop());

async function admin<T>(use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: cluster.url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

describeStoreConformance("PostgreSQL", async () => {
  const url = `${cluster.url}?schema=conformance${++schemas}`;
  let store = await openPostgresStore(url);
  return {
    store,
    async reopen() {
      await store.flush();
      await store.end();
      store = await openPostgresStore(url);
      return store;
    },
    async cleanup() {
      await store.end();
    },
  };
});

describe("PostgresStore", () => {
  it("coalesces a turn's writes: put then deleted is absent, deleted then put is there", async () => {
    const url = `${cluster.url}?schema=coalesce`;
    const store = await openPostgresStore(url);
    store.insertTask(task("j", "gone", 1));
    store.deleteTask("j", "gone");
    store.insertTask(task("j", "back", 2));
    store.deleteTasksOfJob("j");
    store.insertTask(task("j", "back", 3, "completed"));
    await store.flush();
    await store.end();
    const rows = await admin(async (c) => (await c.query("SELECT id, seq, state FROM coalesce.tasks")).rows);
    expect(rows).toEqual([{ id: "back", seq: "3", state: "completed" }]);
  });

  it("a lost session is fatal: onFatal is called once, every later flush rejects", async () => {
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    const fatal: Error[] = [];
    const { PostgresStore } = await import("../../service/store/postgres.js");
    const store: PostgresStore = await PostgresStore.open(client, {
      schema: "fatal",
      onFatal: (e) => fatal.push(e),
    });
    store.insertTask(task("j", "a", 1));
    await store.flush();
    await admin((c) =>
      c.query("SELECT pg_terminate_backend($1)", [(client as unknown as { processID: number }).processID]),
    );
    // Whether the commit fails or the lost connection is noticed first, the write is not acknowledged.
    store.insertTask(task("j", "b", 2));
    await expect(store.flush()).rejects.toThrow(/PostgreSQL store failed to commit .*restart the service/);
    store.insertTask(task("j", "c", 3));
    await expect(store.flush()).rejects.toThrow(/failed to commit/);
    expect(fatal).toHaveLength(1);
    // Reads still come from memory; what was committed before is in the database.
    expect(store.getTask("j", "c")?.id).toBe("c");
    const ids = await admin(async (c) => (await c.query("SELECT id FROM fatal.tasks ORDER BY id")).rows);
    expect(ids).toEqual([{ id: "a" }]);
    store.close();
  });

  it("a failed commit is fatal and all-or-nothing: nothing of its turn is written", async () => {
    const fatal: Error[] = [];
    const store = await openPostgresStore(`${cluster.url}?schema=broken`, { onFatal: (e) => fatal.push(e) });
    await admin((c) => c.query("DROP TABLE broken.tasks"));
    store.putVirtualNetwork({ name: "net", addressPrefix: "10.0.0.0/24" } as never);
    store.insertTask(task("j", "a", 1));
    await expect(store.flush()).rejects.toThrow(
      /failed to commit \(relation "broken.tasks" does not exist\)/,
    );
    expect(fatal.map((e) => e.message)).toEqual([expect.stringMatching(/restart the service/)]);
    const networks = await admin(
      async (c) => (await c.query("SELECT name FROM broken.virtual_networks")).rows,
    );
    expect(networks).toEqual([]);
    await store.end();
  });

  it("two processes opening a new schema at once migrate it once", async () => {
    const url = `${cluster.url}?schema=together`;
    const stores = await Promise.all([
      openPostgresStore(url),
      openPostgresStore(url),
      openPostgresStore(url),
    ]);
    await Promise.all(stores.map((s) => s.end()));
    const versions = await admin(
      async (c) =>
        (await c.query("SELECT version, name FROM together.schema_migrations ORDER BY version")).rows,
    );
    expect(versions.map((v) => v.version)).toEqual([1, 2, 3, 4, 5]);
  });

  it("refuses a schema migrated by a newer OpenBatch, a bad schema name, and an unreachable server", async () => {
    await (await openPostgresStore(`${cluster.url}?schema=newer`)).end();
    await admin((c) => c.query("INSERT INTO newer.schema_migrations VALUES (99, 'future', now())"));
    await expect(openPostgresStore(`${cluster.url}?schema=newer`)).rejects.toThrow(
      /schema 'newer' is at migration 99, newer than this OpenBatch knows/,
    );
    await expect(openPostgresStore(`${cluster.url}?schema=no-dashes`)).rejects.toThrow(
      /not a plain PostgreSQL name/,
    );
    const closedPort = new URL(cluster.url);
    closedPort.port = "1";
    closedPort.password = "hunter2";
    const refused = openPostgresStore(closedPort.toString());
    await expect(refused).rejects.toThrow(
      /Could not connect to PostgreSQL at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\//,
    );
    await expect(refused).rejects.not.toThrow(/hunter2/);
  });
});
