/**
 * Numbered schema migrations, applied in order, each once, inside a transaction. Never edit a
 * released migration: add the next number.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: "initial",
    sql: `
      CREATE TABLE pools (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, data TEXT NOT NULL);
      CREATE TABLE nodes (pool_id TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (pool_id, id));
      CREATE TABLE jobs (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, state TEXT NOT NULL, data TEXT NOT NULL);
      CREATE TABLE tasks (
        job_id TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL, state TEXT NOT NULL, data TEXT NOT NULL,
        PRIMARY KEY (job_id, id)
      );
      CREATE INDEX tasks_by_job_seq ON tasks (job_id, seq);
      CREATE INDEX tasks_by_state ON tasks (state, job_id, seq);
      CREATE TABLE sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    `,
  },
  {
    version: 2,
    name: "job schedules",
    // The jobs of a schedule are found through an index on the schedule id inside the job's JSON.
    sql: `
      CREATE TABLE job_schedules (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, state TEXT NOT NULL, data TEXT NOT NULL);
      CREATE INDEX job_schedules_by_state ON job_schedules (state, seq);
      CREATE INDEX jobs_by_schedule ON jobs (json_extract(data, '$.jobScheduleId'), seq);
    `,
  },
  {
    version: 3,
    name: "certificates",
    // Keyed by the normalized thumbprint (thumbprintAlgorithm is always sha1). `data` holds the
    // certificate file and its password: secrets the REST API never returns.
    sql: `
      CREATE TABLE certificates (thumbprint TEXT PRIMARY KEY, seq INTEGER NOT NULL, state TEXT NOT NULL, data TEXT NOT NULL);
      CREATE INDEX certificates_by_state ON certificates (state, seq);
    `,
  },
  {
    version: 4,
    name: "applications",
    // An application's packages go with it: deleting the application deletes their rows.
    sql: `
      CREATE TABLE applications (id TEXT PRIMARY KEY, data TEXT NOT NULL);
      CREATE TABLE application_packages (
        application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
        version TEXT NOT NULL, data TEXT NOT NULL,
        PRIMARY KEY (application_id, version)
      );
    `,
  },
  {
    version: 5,
    name: "virtual networks",
    sql: `
      CREATE TABLE virtual_networks (name TEXT PRIMARY KEY, data TEXT NOT NULL);
    `,
  },
];
