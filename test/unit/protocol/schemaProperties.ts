/**
 * The property rows a reference table must have for a TypeBox schema: every property path (nested
 * objects as `constraints.maxWallClockTime`, objects in arrays as `environmentSettings[].name`), its
 * type as the docs write it, and whether the schema requires it. A property whose object type is
 * documented as a model of its own is typed with that model's name and not expanded again.
 */
import type { TSchema } from "typebox";

export interface PropertyRow {
  path: string;
  /** `string`, `integer`, `number`, `boolean`, `object`, a model name, any of them with `[]`, or ``one of `a`, `b` ``. */
  type: string;
  required: boolean;
}

type SchemaNode = Record<string, unknown>;

/** The `properties` object of each documented model → its name (TypeBox's Optional copies a schema but keeps its `properties`). */
export type ModelNames = ReadonlyMap<unknown, string>;

interface Described {
  type: string;
  /** An inline object whose properties get rows of their own, under this path suffix (`""` or `"[]"`). */
  expand?: { object: SchemaNode; suffix: string };
}

/** The rows of `schema` (documented as `name`), in declaration order. */
export function propertyRows(schema: TSchema, name: string, models: ModelNames): PropertyRow[] {
  const rows: PropertyRow[] = [];
  const walk = (object: SchemaNode, prefix: string) => {
    const required = new Set((object.required as string[] | undefined) ?? []);
    for (const [property, child] of Object.entries(object.properties as Record<string, SchemaNode>)) {
      const path = `${prefix}${property}`;
      const described = describe(child, path, name, models);
      rows.push({ path, type: described.type, required: required.has(property) });
      if (described.expand) walk(described.expand.object, `${path}${described.expand.suffix}.`);
    }
  };
  walk(schema as unknown as SchemaNode, "");
  return rows;
}

function describe(schema: SchemaNode, path: string, owner: string, models: ModelNames): Described {
  const literals = literalValues(schema);
  if (literals) return { type: `one of ${literals.map((value) => `\`${value}\``).join(", ")}` };
  switch (schema.type) {
    case "string":
    case "integer":
    case "number":
    case "boolean":
      return { type: schema.type };
    case "object": {
      const model = models.get(schema.properties);
      if (model !== undefined && model !== owner) return { type: model };
      const hasProperties = isNode(schema.properties) && Object.keys(schema.properties).length > 0;
      return hasProperties ? { type: "object", expand: { object: schema, suffix: "" } } : { type: "object" };
    }
    case "array": {
      const items = describe(schema.items as SchemaNode, `${path}[]`, owner, models);
      const expand = items.expand && { object: items.expand.object, suffix: `[]${items.expand.suffix}` };
      return { type: `${items.type}[]`, expand };
    }
    default:
      throw new Error(
        `${owner}.${path}: the reference test cannot describe this schema (${JSON.stringify(schema)}); teach test/unit/protocol/schemaProperties.ts its type`,
      );
  }
}

/** The values of a union of string literals (`literalUnion`), else undefined. */
function literalValues(schema: SchemaNode): string[] | undefined {
  const options = schema.anyOf;
  if (!Array.isArray(options) || options.length === 0) return undefined;
  const values = options.map((option) => (isNode(option) ? option.const : undefined));
  return values.every((value) => typeof value === "string") ? (values as string[]) : undefined;
}

export function isNode(value: unknown): value is SchemaNode {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Is `value` a TypeBox object schema (a candidate REST model)? */
export function isObjectSchema(value: unknown): value is TSchema {
  return isNode(value) && value.type === "object" && isNode(value.properties);
}
