/**
 * The pages of docs/reference read as tables: each Markdown table with its header, its rows (with line
 * numbers, for failure messages) and the model it documents when a `<!-- schema: Name -->` comment
 * precedes it.
 */
import { readdirSync, readFileSync } from "node:fs";

export const REFERENCE_DIR = new URL("../../../docs/reference/", import.meta.url);

export interface TableRow {
  line: number;
  cells: string[];
}

export interface MarkdownTable {
  /** `docs/reference/<page>.md`. */
  file: string;
  line: number;
  header: string[];
  rows: TableRow[];
  /** The model named by the `<!-- schema: Name -->` comment above the table. */
  schema?: string;
}

export interface ReferencePage {
  file: string;
  text: string;
  tables: MarkdownTable[];
}

export function referencePages(): ReferencePage[] {
  return readdirSync(REFERENCE_DIR)
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => {
      const file = `docs/reference/${name}`;
      const text = readFileSync(new URL(name, REFERENCE_DIR), "utf8");
      return { file, text, tables: tablesOf(file, text) };
    });
}

const SCHEMA_MARKER = /^<!--\s*schema:\s*(\w+)\s*-->$/;

export function tablesOf(file: string, markdown: string): MarkdownTable[] {
  const lines = markdown.split("\n");
  const tables: MarkdownTable[] = [];
  let pendingSchema: { name: string; line: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    const marker = SCHEMA_MARKER.exec(line);
    if (marker) {
      if (pendingSchema) {
        throw new Error(
          `${file}:${pendingSchema.line}: <!-- schema: ${pendingSchema.name} --> has no table after it`,
        );
      }
      pendingSchema = { name: marker[1]!, line: i + 1 };
      continue;
    }
    if (!line.startsWith("|")) continue;
    const start = i;
    const rows: TableRow[] = [];
    // The header, then the |---| line, then rows until the first line that is not a row.
    for (i += 2; i < lines.length && lines[i]!.trim().startsWith("|"); i++) {
      rows.push({ line: i + 1, cells: splitRow(lines[i]!) });
    }
    tables.push({
      file,
      line: start + 1,
      header: splitRow(lines[start]!),
      rows,
      schema: pendingSchema?.name,
    });
    pendingSchema = undefined;
  }
  if (pendingSchema) {
    throw new Error(
      `${file}:${pendingSchema.line}: <!-- schema: ${pendingSchema.name} --> has no table after it`,
    );
  }
  return tables;
}

/** Cells of `| a | b \| c | d |`, trimmed; `\|` is a pipe inside a cell. */
export function splitRow(line: string): string[] {
  return line
    .trim()
    .replace(/^\||\|$/g, "")
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim().replaceAll("\\|", "|"));
}

/** A cell without Markdown links (`[text](target)` → `text`). */
export function withoutLinks(cell: string): string {
  return cell.replace(/\[([^\]]*)\]\([^)]*\)/g, "$1");
}

/** The texts of a cell's Markdown links, without backticks: ``[`Pool`](#pool)`` → `Pool`. */
export function linkTexts(cell: string): string[] {
  return [...cell.matchAll(/\[([^\]]*)\]\([^)]*\)/g)].map((match) => match[1]!.replaceAll("`", ""));
}

/** The backticked parts of a cell: `` `POST /pools`, `PoolNotFound` `` → `["POST /pools", "PoolNotFound"]`. */
export function codeSpans(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]!);
}

/** The column named `name` (case-insensitive), or -1. */
export function column(table: MarkdownTable, name: string): number {
  return table.header.findIndex((cell) => cell.toLowerCase() === name.toLowerCase());
}
