/**
 * `docs/errors.md` and the error registry (`protocol/errors.ts`) describe the same errors: every code
 * in one is in the other, with the same HTTP status and message. Change both together.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { errorRegistry } from "../../../protocol/errors.js";
import { splitRow } from "./referencePages.js";

const DOC = new URL("../../../docs/errors.md", import.meta.url);

interface DocumentedError {
  status: number;
  message: string;
}

/** The rows of the table headed `| Code | HTTP status | ... |`, by code. */
function documentedErrors(markdown: string): Map<string, DocumentedError> {
  const lines = markdown.split("\n");
  const header = lines.findIndex((line) => /^\|\s*Code\s*\|\s*HTTP status\s*\|/.test(line));
  if (header < 0) throw new Error("docs/errors.md has no table headed | Code | HTTP status | ... |");
  const rows = new Map<string, DocumentedError>();
  // Skip the header and the |---| line; the table ends at the first line that is not a row.
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith("|")) break;
    const cells = splitRow(line);
    if (cells.length < 3) throw new Error(`docs/errors.md: a row needs 3 cells: ${line}`);
    const [code, status, message] = cells as [string, string, string];
    const name = code.replace(/^`(.*)`$/, "$1");
    if (rows.has(name)) throw new Error(`docs/errors.md lists ${name} twice`);
    rows.set(name, { status: Number(status), message: plainText(message) });
  }
  return rows;
}

/** The message as the service sends it: without the Markdown that keeps `<...>` visible. */
function plainText(cell: string): string {
  return cell.replaceAll("`", "").replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");
}

describe("docs/errors.md", () => {
  const documented = documentedErrors(readFileSync(DOC, "utf8"));
  const registry = Object.entries(errorRegistry);

  it("lists exactly the codes of the error registry", () => {
    expect([...documented.keys()].sort()).toEqual(registry.map(([code]) => code).sort());
  });

  it("gives each code the registry's HTTP status", () => {
    const statuses = (entries: [string, number][]) => Object.fromEntries(entries);
    expect(statuses([...documented].map(([code, row]) => [code, row.status]))).toEqual(
      statuses(registry.map(([code, entry]) => [code, entry.status])),
    );
  });

  it("gives each code the registry's message", () => {
    for (const [code, entry] of registry) {
      expect(documented.get(code)?.message, code).toBe(entry.message);
    }
  });
});
