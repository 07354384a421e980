/** The restart scenario on PostgreSQL: a service started with --store postgres://... is SIGKILLed mid-job. */
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type PostgresCluster, startPostgresCluster } from "../postgresCluster.js";
import { describeServiceRestart } from "./restartScenario.js";

let cluster: PostgresCluster;
beforeAll(async () => {
  cluster = await startPostgresCluster();
});
afterAll(() => cluster?.stop());

describeServiceRestart("PostgreSQL", () => ["--store", `${cluster.url}?schema=restart`]);

it("kept the job's tasks in PostgreSQL, each completed once", async () => {
  const client = new pg.Client({ connectionString: cluster.url });
  await client.connect();
  const { rows } = await client.query(
    "SELECT id, state, data->'executionInfo'->>'retryCount' AS retries FROM restart.tasks ORDER BY id",
  );
  await client.end();
  expect(rows).toEqual(
    ["after", "bad", "child", "long", "quick"].map((id) => ({ id, state: "completed", retries: "0" })),
  );
});
