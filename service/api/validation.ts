/**
 * Request bodies checked against the TypeBox schemas of protocol/rest, compiled once. The first
 * schema error becomes Azure's error: a missing property → `MissingRequiredProperty`, a property the
 * type does not have → `InvalidRequestBody`, anything else (pattern, range, type, enum) →
 * `InvalidPropertyValue`, each with `PropertyName` (and `PropertyValue`, `Reason`) values.
 */
import type { Static, TSchema } from "typebox";
import { Compile } from "typebox/compile";
import { ID_PATTERN } from "../../protocol/apiVersion.js";
import { BatchError, invalidPropertyValue } from "../../protocol/errors.js";
import * as applicationSchemas from "../../protocol/rest/application.js";
import * as certificateSchemas from "../../protocol/rest/certificate.js";
import * as commonSchemas from "../../protocol/rest/common.js";
import * as jobSchemas from "../../protocol/rest/job.js";
import * as jobScheduleSchemas from "../../protocol/rest/jobSchedule.js";
import * as poolSchemas from "../../protocol/rest/pool.js";
import * as taskSchemas from "../../protocol/rest/task.js";
import * as taskFileSchemas from "../../protocol/rest/taskFiles.js";

export type BodyValidator<T extends TSchema> = (body: unknown) => Static<T>;

/** The error as TypeBox reports it (ajv-style). */
interface SchemaError {
  keyword: string;
  schemaPath: string;
  instancePath: string;
  params: Record<string, unknown>;
  message: string;
}

type SchemaNode = Record<string, unknown>;

/** `properties` objects of the named request schemas → their names, to say which type lacks a property. */
const typeNames = new Map<unknown, string>();
for (const module of [
  applicationSchemas,
  commonSchemas,
  certificateSchemas,
  poolSchemas,
  jobSchemas,
  jobScheduleSchemas,
  taskSchemas,
  taskFileSchemas,
]) {
  for (const [name, value] of Object.entries(module)) {
    if (isNode(value) && isNode(value.properties) && !typeNames.has(value.properties))
      typeNames.set(value.properties, name);
  }
}

const ID_RULE =
  "Ids may contain only letters (A-Z, a-z), digits (0-9), hyphens (-) and underscores (_), and be 1 to 64 characters long.";

/** Compiles `schema` once; the returned function returns the body typed, or throws a BatchError. */
export function bodyValidator<T extends TSchema>(schema: T, typeName: string): BodyValidator<T> {
  const validator = Compile(schema);
  return (body: unknown) => {
    if (body === undefined) {
      throw new BatchError("InvalidRequestBody", `The request has no body: send a ${typeName} as JSON.`, [
        { key: "Reason", value: `The request body must be a ${typeName} JSON object.` },
      ]);
    }
    if (validator.Check(body)) return body as Static<T>;
    const errors = validator.Errors(body) as unknown as SchemaError[];
    throw schemaError(errors, body, schema, typeName);
  };
}

/** The BatchError for the first schema error (exported for tests). */
export function schemaError(
  errors: SchemaError[],
  body: unknown,
  schema: TSchema,
  typeName: string,
): BatchError {
  const first = errors[0];
  if (!first) return new BatchError("InvalidRequestBody", `The body is not a valid ${typeName}.`);
  const segments = pointerSegments(first.instancePath);

  if (first.keyword === "required") {
    const present = valueAt(body, segments);
    const missing = ((first.params.requiredProperties as string[] | undefined) ?? []).find(
      (name) => !isNode(present) || present[name] === undefined,
    );
    const path = propertyPath([...segments, missing ?? "?"]);
    return new BatchError(
      "MissingRequiredProperty",
      `The property '${path}' is required in a ${typeName}; add it.`,
      [{ key: "PropertyName", value: path }],
    );
  }

  if (isUnknownProperty(first)) {
    const unknown =
      first.keyword === "additionalProperties"
        ? [...segments, ((first.params.additionalProperties as string[] | undefined) ?? ["?"])[0]!]
        : segments;
    const owner = ownerTypeName(schema, typeName, unknown.slice(0, -1));
    const path = propertyPath(unknown);
    const reason = `'${unknown.at(-1)}' is not a property of ${owner}.`;
    return new BatchError(
      "InvalidRequestBody",
      `The property '${path}' is not a property of ${owner}: remove it or check its spelling.`,
      [
        { key: "PropertyName", value: path },
        { key: "Reason", value: reason },
      ],
    );
  }

  const path = segments.length === 0 ? typeName : propertyPath(segments);
  const value = valueAt(body, segments);
  const reason = describe(first, errors, schema);
  if (segments.length === 0) {
    return new BatchError("InvalidRequestBody", `The request body must be a ${typeName} JSON object.`, [
      { key: "Reason", value: reason },
    ]);
  }
  return invalidPropertyValue(path, value, reason);
}

function isUnknownProperty(error: SchemaError): boolean {
  return (
    error.keyword === "additionalProperties" ||
    (error.keyword === "boolean" && error.schemaPath.endsWith("/additionalProperties"))
  );
}

function describe(first: SchemaError, errors: SchemaError[], schema: TSchema): string {
  const samePlace = errors.filter((e) => e.instancePath === first.instancePath);
  if (first.keyword === "const" || first.keyword === "anyOf") {
    const allowed = samePlace
      .filter((e) => e.keyword === "const")
      .map((e) => JSON.stringify(e.params.allowedValue));
    if (allowed.length > 0) return `it must be one of ${allowed.join(", ")}.`;
  }
  if (first.keyword === "pattern") {
    if (first.params.pattern === ID_PATTERN) return ID_RULE;
    const description = schemaAt(schema, first.schemaPath)?.description;
    return `it must match the pattern ${String(first.params.pattern)}${typeof description === "string" ? ` (${description})` : ""}.`;
  }
  if (first.keyword === "minLength" && first.params.limit === 1) return "it must not be empty.";
  return `it ${first.message}.`;
}

function pointerSegments(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** `["value","1","commandLine"]` → `value[1].commandLine`. */
export function propertyPath(segments: readonly string[]): string {
  let path = "";
  for (const segment of segments) {
    if (/^\d+$/.test(segment)) path += `[${segment}]`;
    else path += path === "" ? segment : `.${segment}`;
  }
  return path;
}

function valueAt(value: unknown, segments: readonly string[]): unknown {
  let current = value;
  for (const segment of segments) {
    if (Array.isArray(current)) current = current[Number(segment)];
    else if (isNode(current)) current = current[segment];
    else return undefined;
  }
  return current;
}

/** The schema object a `schemaPath` (`#/properties/id`) points at. */
function schemaAt(schema: TSchema, schemaPath: string): SchemaNode | undefined {
  let current: unknown = schema;
  for (const segment of pointerSegments(schemaPath.replace(/^#/, ""))) {
    if (!isNode(current) && !Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return isNode(current) ? current : undefined;
}

/** The name of the object type at `segments` inside `schema` (e.g. `StartTask`), for error messages. */
function ownerTypeName(schema: TSchema, typeName: string, segments: readonly string[]): string {
  let current: unknown = schema;
  for (const segment of segments) {
    if (!isNode(current)) break;
    if (/^\d+$/.test(segment) && isNode(current.items)) current = current.items;
    else if (isNode(current.properties)) current = current.properties[segment];
    else current = undefined;
  }
  const named = isNode(current) ? typeNames.get(current.properties) : undefined;
  if (segments.length === 0) return typeName;
  return named ?? `${typeName}.${propertyPath(segments)}`;
}

function isNode(value: unknown): value is SchemaNode {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
