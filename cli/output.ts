import type { CliContext } from "./context.js";

export const outputFormats = ["table", "json"] as const;
export type OutputFormat = (typeof outputFormats)[number];

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | boolean | undefined;
}

const MISSING = "-";

function cell<T>(row: T, column: Column<T>): string {
  const value = column.value(row);
  return value === undefined || value === "" ? MISSING : String(value);
}

/** Left-aligned columns separated by two spaces, headers upper-cased; `-` marks an absent value. */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const lines = [
    columns.map((c) => c.header.toUpperCase()),
    ...rows.map((row) => columns.map((c) => cell(row, c))),
  ];
  const widths = columns.map((_, i) => Math.max(...lines.map((line) => line[i]!.length)));
  return lines
    .map((line) => line.map((text, i) => (i === line.length - 1 ? text : text.padEnd(widths[i]!))).join("  "))
    .join("\n")
    .concat("\n");
}

/** One resource as `header  value` lines, for `show` commands. */
export function renderRecord<T>(row: T, columns: readonly Column<T>[]): string {
  const width = Math.max(...columns.map((c) => c.header.length));
  return columns.map((c) => `${c.header.padEnd(width)}  ${cell(row, c)}\n`).join("");
}

export function printJson(context: CliContext, value: unknown): void {
  context.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

/** A list: the raw Azure objects as a JSON array, or a table (or `emptyMessage` when there are none). */
export function printList<T>(
  context: CliContext,
  format: OutputFormat,
  rows: readonly T[],
  columns: readonly Column<T>[],
  emptyMessage: string,
): void {
  if (format === "json") printJson(context, rows);
  else context.stdout(rows.length === 0 ? `${emptyMessage}\n` : renderTable(rows, columns));
}

export function printRecord<T>(
  context: CliContext,
  format: OutputFormat,
  row: T,
  columns: readonly Column<T>[],
): void {
  if (format === "json") printJson(context, row);
  else context.stdout(renderRecord(row, columns));
}

/** A confirmation for people; JSON output stays silent so scripts only ever see data. */
export function printMessage(context: CliContext, format: OutputFormat, message: string): void {
  if (format === "table") context.stdout(`${message}\n`);
}
