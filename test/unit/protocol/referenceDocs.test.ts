/**
 * docs/reference describes the REST API as the code serves it:
 * - every model section (`<!-- schema: Name -->` above a table) lists exactly the property paths of
 *   the TypeBox schema `Name` exported by protocol/rest, with its type and whether it is required;
 * - every model the routes use, every `*Parameter`, and every model an operations table links to (as
 *   ``[`Pool`](#pool)``) has a section;
 * - the operations tables list exactly the routes the service registers;
 * - every error code in an errors table is in protocol/errors.ts, with its HTTP status.
 * Each failure says what to add or remove, and where.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import type { TSchema } from "typebox";
import { beforeAll, describe, expect, it } from "vitest";
import { type ErrorCode, errorRegistry } from "../../../protocol/errors.js";
import {
  codeSpans,
  column,
  linkTexts,
  type MarkdownTable,
  REFERENCE_DIR,
  type ReferencePage,
  referencePages,
  type TableRow,
  withoutLinks,
} from "./referencePages.js";
import { registeredOperations } from "./restRoutes.js";
import { isObjectSchema, type PropertyRow, propertyRows } from "./schemaProperties.js";

const REST_DIR = new URL("../../../protocol/rest/", import.meta.url);
const ROUTES_DIR = new URL("../../../service/api/routes/", import.meta.url);
const INDEX = "docs/reference/README.md";

const REQUEST_HEADER = ["Property", "Type", "Required", "Default", "Description"];
const RESPONSE_HEADER = ["Property", "Type", "Always present", "Description"];

/** Every object schema protocol/rest exports, by export name. */
async function restModels(): Promise<Map<string, TSchema>> {
  const models = new Map<string, TSchema>();
  for (const file of readdirSync(REST_DIR).filter((name) => name.endsWith(".ts"))) {
    const module = (await import(new URL(file, REST_DIR).href)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(module)) if (isObjectSchema(value)) models.set(name, value);
  }
  return models;
}

/** A documented operation, `POST /pools`, and where. */
interface DocumentedOperation {
  operation: string;
  file: string;
  row: TableRow;
  table: MarkdownTable;
}

let pages: ReferencePage[];
let models: Map<string, TSchema>;
let sections: MarkdownTable[];
let operations: DocumentedOperation[];

beforeAll(async () => {
  pages = referencePages();
  models = await restModels();
  sections = pages.flatMap((page) => page.tables.filter((table) => table.schema !== undefined));
  operations = pages.flatMap((page) =>
    page.tables
      .filter((table) => column(table, "Method") >= 0 && column(table, "Path") >= 0)
      .flatMap((table) =>
        table.rows.map((row) => ({
          operation: `${row.cells[column(table, "Method")]} ${row.cells[column(table, "Path")]!.replaceAll("`", "")}`,
          file: page.file,
          row,
          table,
        })),
      ),
  );
});

describe("docs/reference model sections", () => {
  it("name models that protocol/rest exports, each once", () => {
    const problems: string[] = [];
    const seen = new Map<string, string>();
    for (const { file, line, schema } of sections) {
      const where = `${file}:${line}`;
      if (!models.has(schema!)) {
        problems.push(
          `${where}: <!-- schema: ${schema} --> names no object schema exported by protocol/rest/*.ts; fix the name or remove the section`,
        );
      }
      if (seen.has(schema!))
        problems.push(`${where}: ${schema} is documented twice (also at ${seen.get(schema!)}); remove one`);
      seen.set(schema!, where);
    }
    expect(problems).toEqual([]);
  });

  it("list exactly the schema's property paths, types and required properties", () => {
    const names = new Map<unknown, string>();
    for (const { schema } of sections) {
      const model = models.get(schema!) as { properties?: unknown } | undefined;
      if (model && !names.has(model.properties)) names.set(model.properties, schema!);
    }
    const problems = sections.flatMap((table) => {
      const model = models.get(table.schema!);
      return model ? tableProblems(table, propertyRows(model, table.schema!, names)) : [];
    });
    expect(problems).toEqual([]);
  });

  it("exist for every model the routes use, every *Parameter and every model an operation names", () => {
    const documented = new Set(sections.map((table) => table.schema));
    const needed = new Map<string, string>();
    for (const name of models.keys()) {
      if (name.endsWith("Parameter")) needed.set(name, `${name} is a request body in protocol/rest`);
    }
    for (const file of readdirSync(ROUTES_DIR).filter((name) => name.endsWith(".ts"))) {
      for (const name of importedRestNames(readFileSync(new URL(file, ROUTES_DIR), "utf8"))) {
        if (models.has(name)) needed.set(name, `service/api/routes/${file} uses ${name}`);
      }
    }
    for (const { file, row, table } of operations) {
      for (const heading of ["Request body", "Response"]) {
        for (const name of linkTexts(row.cells[column(table, heading)] ?? "")) {
          needed.set(name, `${file}:${row.line} names ${name} as the ${heading.toLowerCase()}`);
        }
      }
    }
    const problems = [...needed]
      .filter(([name]) => !documented.has(name))
      .map(
        ([name, why]) =>
          `${why}, but no page documents it: add a section "## ${name}" with <!-- schema: ${name} --> and its property table to the page of its resource in docs/reference/`,
      );
    expect(problems).toEqual([]);
  });
});

describe("docs/reference operations", () => {
  it("list exactly the routes the service registers", async () => {
    const registered = await registeredOperations();
    const documented = new Map<string, DocumentedOperation>();
    const problems: string[] = [];
    for (const entry of operations) {
      const previous = documented.get(entry.operation);
      if (previous) {
        problems.push(
          `${entry.file}:${entry.row.line}: ${entry.operation} is listed twice (also ${previous.file}:${previous.row.line}); remove one`,
        );
      }
      documented.set(entry.operation, entry);
    }
    for (const operation of registered) {
      if (!documented.has(operation)) {
        const [method, path] = operation.split(" ");
        problems.push(
          `the service registers ${operation}, but no operations table lists it: add "| ${method} | \`${path}\` | <what it does> | <request body> | <response> | <status> |" to the operations table of its resource's page in docs/reference/, and its errors to that page's errors table`,
        );
      }
    }
    for (const [operation, { file, row }] of documented) {
      if (!registered.includes(operation)) {
        problems.push(
          `${file}:${row.line}: ${operation} is not a route of the service (service/api/routes/*.ts); remove the row or fix its method and path`,
        );
      }
    }
    expect(problems).toEqual([]);
  });

  it("give each operation its errors, with codes and statuses from protocol/errors.ts", () => {
    const problems: string[] = [];
    const withErrors = new Set<string>();
    for (const page of pages) {
      const pageOperations = operations
        .filter((entry) => entry.file === page.file)
        .map((entry) => entry.operation);
      for (const table of page.tables.filter((t) => column(t, "Code") >= 0 && column(t, "Status") >= 0)) {
        for (const row of table.rows) {
          const where = `${page.file}:${row.line}`;
          const code = row.cells[column(table, "Code")]!.replaceAll("`", "");
          const status = Number(row.cells[column(table, "Status")]);
          const entry = errorRegistry[code as ErrorCode];
          if (!entry)
            problems.push(
              `${where}: ${code} is not in the error registry (protocol/errors.ts); use a registered code or add it there and to docs/errors.md`,
            );
          else if (entry.status !== status)
            problems.push(
              `${where}: ${code} has HTTP status ${entry.status} in protocol/errors.ts, not ${status}`,
            );
          if (!row.cells[column(table, "When")]) problems.push(`${where}: say when ${code} is returned`);
          if (column(table, "Operation") < 0) continue;
          for (const target of codeSpans(row.cells[column(table, "Operation")]!)) {
            const matching = target.startsWith("/")
              ? pageOperations.filter((operation) => operation.split(" ")[1]!.startsWith(target))
              : pageOperations.filter((operation) => operation === target);
            if (matching.length === 0)
              problems.push(
                `${where}: \`${target}\` is not an operation (or path prefix) in the operations table of ${page.file}`,
              );
            for (const operation of matching) withErrors.add(operation);
          }
        }
      }
    }
    for (const { operation, file } of operations) {
      if (!withErrors.has(operation))
        problems.push(
          `${file}: ${operation} has no row in the page's errors table; add the errors it can return (the ones every operation can return are in docs/reference/common.md)`,
        );
    }
    expect(problems).toEqual([]);
  });
});

describe("docs/reference/README.md", () => {
  it("links every page of the reference and docs/errors.md", () => {
    const index = pages.find((page) => page.file === INDEX);
    expect(index, `${INDEX} is missing`).toBeDefined();
    const links = new Set([...index!.text.matchAll(/\]\(([^)#]+)(#[^)]*)?\)/g)].map((match) => match[1]));
    const wanted = [
      ...pages.filter((page) => page.file !== INDEX).map((page) => page.file.slice("docs/reference/".length)),
      "../errors.md",
    ];
    expect(
      wanted.filter((target) => !links.has(target)).map((target) => `${INDEX}: add a link to ${target}`),
    ).toEqual([]);
    for (const target of links) {
      if (!/^[a-z]+:/.test(target!))
        expect(
          existsSync(new URL(target!, REFERENCE_DIR)),
          `${INDEX} links ${target}, which does not exist`,
        ).toBe(true);
    }
  });
});

/** The names a routes file imports from protocol/rest (`import { Job, type TaskCountsResult } from ".../protocol/rest/job.js"`). */
function importedRestNames(source: string): string[] {
  return [
    ...source.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*"[^"]*protocol\/rest\/[^"]+"/g),
  ].flatMap((match) =>
    match[1]!
      .split(",")
      .map((name) => name.replace(/^\s*type\s+/, "").trim())
      .filter(Boolean),
  );
}

/** What is wrong with one model's table, compared with the rows its schema needs. */
function tableProblems(table: MarkdownTable, expected: PropertyRow[]): string[] {
  const { file, line, schema } = table;
  const header = table.header.join(" | ");
  const isRequest = header === REQUEST_HEADER.join(" | ");
  if (!isRequest && header !== RESPONSE_HEADER.join(" | ")) {
    return [
      `${file}:${line}: the table of ${schema} must be headed | ${REQUEST_HEADER.join(" | ")} | (request bodies) or | ${RESPONSE_HEADER.join(" | ")} | (responses)`,
    ];
  }
  const problems: string[] = [];
  const rows = new Map<string, TableRow>();
  for (const row of table.rows) {
    const path = row.cells[0]!.replaceAll("`", "");
    if (rows.has(path))
      problems.push(`${file}:${row.line}: ${schema} lists \`${path}\` twice; remove one row`);
    rows.set(path, row);
  }
  const presence = (required: boolean) => (required ? "yes" : "no");
  for (const property of expected) {
    const row = rows.get(property.path);
    if (!row) {
      const cells = isRequest
        ? [
            `\`${property.path}\``,
            property.type,
            presence(property.required),
            property.required ? "—" : "<when omitted>",
            "<description>",
          ]
        : [`\`${property.path}\``, property.type, presence(property.required), "<description>"];
      problems.push(
        `${file}:${line}: ${schema} has the property ${property.path}; add the row | ${cells.join(" | ")} |`,
      );
      continue;
    }
    const where = `${file}:${row.line}: ${schema}.${property.path}`;
    const type = withoutLinks(row.cells[1] ?? "").replaceAll("`", "");
    if (type !== property.type.replaceAll("`", ""))
      problems.push(`${where} has type ${property.type} in the schema; the row says ${row.cells[1]}`);
    if (row.cells[2] !== presence(property.required))
      problems.push(
        `${where}: column "${table.header[2]}" must be ${presence(property.required)}, as in the schema`,
      );
    if (isRequest && !property.required && !row.cells[3])
      problems.push(`${where}: say in the Default column what the service uses when it is omitted`);
    if (!row.cells.at(-1)) problems.push(`${where}: add a description`);
  }
  const paths = new Set(expected.map((property) => property.path));
  for (const [path, row] of rows) {
    if (!paths.has(path))
      problems.push(
        `${file}:${row.line}: ${schema} has no property ${path} in protocol/rest; remove the row (or fix the path)`,
      );
  }
  return problems;
}
