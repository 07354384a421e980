import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPostgresStore } from "../../service/store/postgres.js";
import { type PostgresCluster, startPostgresCluster } from "../postgresCluster.js";

describe("smoke", () => {
  let cluster: PostgresCluster;
  beforeAll(async () => {
    cluster = await startPostgresCluster();
  });
  afterAll(() => cluster?.stop());
  it("opens, writes, reopens", async () => {
    const store = await openPostgresStore(`${cluster.url}?schema=s1`);
    expect(store.nextSeq("tasks")).toBe(1);
    store.putPool({ id: "p", seq: 1 } as never);
    await store.flush();
    await store.end();
    const again = await openPostgresStore(`${cluster.url}?schema=s1`);
    expect(again.nextSeq("tasks")).toBe(2);
    expect(again.getPool("p")).toEqual({ id: "p", seq: 1 });
    await again.end();
  });
});
