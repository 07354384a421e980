/**
 * The PostgreSQL dialect of `migrations.ts`: the same versions and names (a test holds them
 * together), run inside the account's schema (search_path is set by the migrator). Never edit a
 * released migration: add the next number here and in `migrations.ts`.
 *
 * `data` is `json`, not `jsonb`: the store never queries inside it (reads come from its in-memory
 * mirror, see postgres.ts), and `json` keeps the text byte for byte, as SQLite's TEXT does — the same
 * key order after a reopen, and a `\u0000` in a user's string is stored instead of failing the
 * commit (jsonb refuses it). It is also cheaper to write. SQL that wants to look inside can cast
 * to jsonb. For the same reason only primary keys are indexed: the store's statements are loads of
 * whole tables and writes by key; SQLite's secondary indexes serve queries this store answers from
 * memory.
 */
import type { Migration } from "./migrations.js";

export const postgresMigrations: readonly Migration[] = [
  {
    version: 1,
    name: "initial",
    sql: `
      CREATE TABLE pools (id text PRIMARY KEY, seq bigint NOT NULL, data json NOT NULL);
      CREATE TABLE nodes (pool_id text NOT NULL, id text NOT NULL, data json NOT NULL, PRIMARY KEY (pool_id, id));
      CREATE TABLE jobs (id text PRIMARY KEY, seq bigint NOT NULL, state text NOT NULL, data json NOT NULL);
      CREATE TABLE tasks (
        job_id text NOT NULL, id text NOT NULL, seq bigint NOT NULL, state text NOT NULL, data json NOT NULL,
        PRIMARY KEY (job_id, id)
      );
      CREATE TABLE sequences (name text PRIMARY KEY, value bigint NOT NULL);
    `,
  },
  {
    version: 2,
    name: "job schedules",
    sql: `
      CREATE TABLE job_schedules (id text PRIMARY KEY, seq bigint NOT NULL, state text NOT NULL, data json NOT NULL);
    `,
  },
  {
    version: 3,
    name: "certificates",
    sql: `
      CREATE TABLE certificates (thumbprint text PRIMARY KEY, seq bigint NOT NULL, state text NOT NULL, data json NOT NULL);
    `,
  },
  {
    version: 4,
    name: "applications",
    sql: `
      CREATE TABLE applications (id text PRIMARY KEY, data json NOT NULL);
      CREATE TABLE application_packages (
        application_id text NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
        version text NOT NULL, data json NOT NULL,
        PRIMARY KEY (application_id, version)
      );
    `,
  },
  {
    version: 5,
    name: "virtual networks",
    sql: `
      CREATE TABLE virtual_networks (name text PRIMARY KEY, data json NOT NULL);
    `,
  },
];
