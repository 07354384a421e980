/**
 * An in-memory table ordered by `seq`, for a store whose reads are served from memory
 * (postgres.ts): rows by key, and per partition (e.g. "every job", "jobs in state X", "tasks of job
 * J") a list sorted by (seq, key), so that a page `seq > afterSeq ORDER BY seq LIMIT n` is a binary
 * search and a slice, as an index makes it in SQL.
 */
export interface SeqRow {
  readonly key: string;
  readonly seq: number;
}

export class MirrorTable<Row extends SeqRow> {
  private readonly rows = new Map<string, Row>();
  private readonly lists = new Map<string, Row[]>();

  /** `partitionsOf(row)`: every list the row belongs to. */
  constructor(private readonly partitionsOf: (row: Row) => readonly string[]) {}

  get(key: string): Row | undefined {
    return this.rows.get(key);
  }

  values(): IterableIterator<Row> {
    return this.rows.values();
  }

  put(row: Row): void {
    const old = this.rows.get(row.key);
    if (old) this.unindex([old]);
    this.rows.set(row.key, row);
    for (const partition of this.partitionsOf(row)) {
      let list = this.lists.get(partition);
      if (!list) {
        list = [];
        this.lists.set(partition, list);
      }
      const last = list[list.length - 1];
      // Rows mostly arrive in seq order: appending is the common case.
      if (!last || compare(last, row) < 0) list.push(row);
      else list.splice(firstAfter(list, row), 0, row);
    }
  }

  delete(key: string): Row | undefined {
    const row = this.rows.get(key);
    if (row) {
      this.rows.delete(key);
      this.unindex([row]);
    }
    return row;
  }

  /** Deletes every row of a partition (e.g. a job's tasks) in one pass over each list involved. */
  deletePartition(partition: string): Row[] {
    const rows = this.lists.get(partition) ?? [];
    for (const row of rows) this.rows.delete(row.key);
    this.unindex(rows);
    return rows;
  }

  /** Rows of `partition` with seq > afterSeq, in seq order, at most `limit`. */
  page(partition: string, afterSeq: number | undefined, limit: number): Row[] {
    const list = this.lists.get(partition);
    if (!list) return [];
    const start = afterSeq === undefined ? 0 : firstAbove(list, (row) => row.seq > afterSeq);
    return list.slice(start, start + limit);
  }

  private unindex(rows: readonly Row[]): void {
    if (rows.length === 1) {
      const row = rows[0]!;
      for (const partition of this.partitionsOf(row)) {
        const list = this.lists.get(partition)!;
        const at = firstAfter(list, row) - 1;
        if (list[at] === row) list.splice(at, 1);
        if (list.length === 0) this.lists.delete(partition);
      }
      return;
    }
    const gone = new Set(rows);
    const partitions = new Set(rows.flatMap((row) => this.partitionsOf(row)));
    for (const partition of partitions) {
      const kept = this.lists.get(partition)!.filter((row) => !gone.has(row));
      if (kept.length) this.lists.set(partition, kept);
      else this.lists.delete(partition);
    }
  }
}

function compare(a: SeqRow, b: SeqRow): number {
  return a.seq - b.seq || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/** The index of the first row of the sorted `list` that sorts after `probe`. */
function firstAfter(list: readonly SeqRow[], probe: SeqRow): number {
  return firstAbove(list, (row) => compare(row, probe) > 0);
}

/** The index of the first row for which `isAbove` holds, `isAbove` being false then true along `list`. */
function firstAbove(list: readonly SeqRow[], isAbove: (row: SeqRow) => boolean): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (isAbove(list[mid]!)) high = mid;
    else low = mid + 1;
  }
  return low;
}
