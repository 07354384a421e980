import { describe, expect, it } from "vitest";
import { migrations } from "../../../service/store/migrations.js";
import { parsePostgresUrl } from "../../../service/store/postgres.js";
import { postgresMigrations } from "../../../service/store/postgresMigrations.js";
import { quoteLiteral, TABLES, WriteBatch } from "../../../service/store/postgresWrites.js";

describe("PostgreSQL migrations", () => {
  it("have the same versions and names as the SQLite ones", () => {
    const outline = (list: typeof migrations) => list.map((m) => `${m.version} ${m.name}`);
    expect(outline(postgresMigrations)).toEqual(outline(migrations));
  });

  it("create every table the store writes", () => {
    const sql = postgresMigrations.map((m) => m.sql).join("\n");
    for (const table of Object.values(TABLES)) expect(sql).toContain(`CREATE TABLE ${table.name} (`);
  });
});

describe("the PostgreSQL store's URL", () => {
  it("takes the schema out of the URL and hides the password in messages", () => {
    expect(parsePostgresUrl("postgres://u:secret@db:5433/batch?schema=acct1&sslmode=require")).toEqual({
      connectionString: "postgres://u:secret@db:5433/batch?sslmode=require",
      schema: "acct1",
      display: "postgres://u:***@db:5433/batch?sslmode=require",
    });
    expect(parsePostgresUrl("postgresql://db/batch").schema).toBe("openbatch");
    expect(() => parsePostgresUrl("postgres://db/batch?schema=a;drop")).toThrow(
      /not a plain PostgreSQL name/,
    );
  });
});

describe("a group commit's SQL", () => {
  it("keeps the last write of each row: deletes (children first), then upserts (parents first)", () => {
    const batch = new WriteBatch();
    batch.put(TABLES.applicationPackages, ["app", "1.0"], ["{}"]);
    batch.put(TABLES.applications, ["app"], ['{"id":"app"}']);
    batch.put(TABLES.tasks, ["j", "t"], [1, "active", "{}"]);
    batch.delete(TABLES.tasks, ["j", "t"]);
    batch.delete(TABLES.applications, ["old"]);
    batch.delete(TABLES.applicationPackages, ["old", "2.0"]);
    expect(batch.size).toBe(5);
    expect(batch.toSql('"s"').split(";\n")).toEqual([
      `DELETE FROM "s".application_packages WHERE (application_id, version) IN (VALUES (E'old', E'2.0'))`,
      `DELETE FROM "s".applications WHERE (id) IN (VALUES (E'old'))`,
      `DELETE FROM "s".tasks WHERE (job_id, id) IN (VALUES (E'j', E't'))`,
      `INSERT INTO "s".applications (id, data) VALUES (E'app', E'{"id":"app"}') ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data`,
      `INSERT INTO "s".application_packages (application_id, version, data) VALUES (E'app', E'1.0', E'{}') ON CONFLICT (application_id, version) DO UPDATE SET data = EXCLUDED.data;`,
    ]);
  });

  it("quotes quotes and backslashes whatever standard_conforming_strings is, and refuses a seq that is not an integer", () => {
    expect(quoteLiteral(`it's a \\ "x"`)).toBe(`E'it''s a \\\\ "x"'`);
    expect(() => new WriteBatch().put(TABLES.pools, ["p"], [Number.NaN, "{}"])).toThrow(/not an integer/);
  });
});
