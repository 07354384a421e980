/**
 * The writes of one group commit of the PostgreSQL store, coalesced: per table and key only the last
 * write counts (a row put five times in a turn is sent once; put then deleted is a delete). That is
 * exact because a transaction is atomic: only the state at its end is ever seen. Deletes of many rows
 * (a job's tasks, a pool's nodes) arrive here already expanded to keys by the store's mirror.
 *
 * The batch becomes one multi-statement simple query, which PostgreSQL runs as one implicit
 * transaction: one round trip per commit, at most a DELETE and an INSERT ... ON CONFLICT per table.
 */
export interface TableSpec {
  readonly name: string;
  readonly keyColumns: readonly string[];
  /** Columns after the key columns, in the order their values are given. */
  readonly valueColumns: readonly string[];
}

function table(name: string, keyColumns: string[], valueColumns: string[]): TableSpec {
  return { name, keyColumns, valueColumns };
}

/** In foreign key order: parents first (upserts go in this order, deletes in the reverse). */
export const TABLES = {
  pools: table("pools", ["id"], ["seq", "data"]),
  nodes: table("nodes", ["pool_id", "id"], ["data"]),
  jobs: table("jobs", ["id"], ["seq", "state", "data"]),
  tasks: table("tasks", ["job_id", "id"], ["seq", "state", "data"]),
  jobSchedules: table("job_schedules", ["id"], ["seq", "state", "data"]),
  certificates: table("certificates", ["thumbprint"], ["seq", "state", "data"]),
  applications: table("applications", ["id"], ["data"]),
  applicationPackages: table("application_packages", ["application_id", "version"], ["data"]),
  virtualNetworks: table("virtual_networks", ["name"], ["data"]),
  sequences: table("sequences", ["name"], ["value"]),
} as const;

const TABLE_ORDER: readonly TableSpec[] = Object.values(TABLES);

type Value = string | number;

interface Write {
  key: readonly string[];
  /** Undefined: delete the row. */
  values?: readonly Value[];
}

export class WriteBatch {
  private readonly writes = new Map<TableSpec, Map<string, Write>>();

  get size(): number {
    let n = 0;
    for (const rows of this.writes.values()) n += rows.size;
    return n;
  }

  put(spec: TableSpec, key: readonly string[], values: readonly Value[]): void {
    for (const value of values) {
      if (typeof value === "number" && !Number.isSafeInteger(value))
        throw new Error(`${spec.name} ${key.join("/")}: ${value} is not an integer; records' seq must be.`);
    }
    this.rows(spec).set(key.join("\u0000"), { key, values });
  }

  delete(spec: TableSpec, key: readonly string[]): void {
    this.rows(spec).set(key.join("\u0000"), { key });
  }

  /** The batch as one multi-statement query, with every value quoted in (schema: a quoted identifier). */
  toSql(schema: string): string {
    const statements: string[] = [];
    for (const spec of [...TABLE_ORDER].reverse()) {
      const deleted = [...(this.writes.get(spec)?.values() ?? [])].filter((w) => !w.values);
      if (deleted.length === 0) continue;
      statements.push(
        `DELETE FROM ${schema}.${spec.name} WHERE (${spec.keyColumns.join(", ")}) IN ` +
          `(VALUES ${deleted.map((w) => tuple(w.key)).join(", ")})`,
      );
    }
    for (const spec of TABLE_ORDER) {
      const put = [...(this.writes.get(spec)?.values() ?? [])].filter((w) => w.values);
      if (put.length === 0) continue;
      const columns = [...spec.keyColumns, ...spec.valueColumns];
      statements.push(
        `INSERT INTO ${schema}.${spec.name} (${columns.join(", ")}) VALUES ` +
          `${put.map((w) => tuple([...w.key, ...w.values!])).join(", ")} ` +
          `ON CONFLICT (${spec.keyColumns.join(", ")}) DO UPDATE SET ` +
          spec.valueColumns.map((c) => `${c} = EXCLUDED.${c}`).join(", "),
      );
    }
    return `${statements.join(";\n")};`;
  }

  private rows(spec: TableSpec): Map<string, Write> {
    let rows = this.writes.get(spec);
    if (!rows) {
      rows = new Map();
      this.writes.set(spec, rows);
    }
    return rows;
  }
}

function tuple(values: readonly Value[]): string {
  return `(${values.map((v) => (typeof v === "number" ? String(v) : quoteLiteral(v))).join(", ")})`;
}

/**
 * A string constant that means `text` whatever `standard_conforming_strings` is: E'' syntax with
 * quotes and backslashes doubled. (Keys and JSON never hold a raw NUL: JSON.stringify escapes it.)
 */
export function quoteLiteral(text: string): string {
  return `E'${text.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`;
}
