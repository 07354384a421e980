import Type, { type Static, type TLiteral, type TSchema, type TUnion } from "typebox";
import { ID_PATTERN } from "../apiVersion.js";

/** Every request object refuses properties it does not know, so a typo is an error, not a silent no-op. */
export const strict = { additionalProperties: false } as const;

export const Id = Type.String({
  pattern: ID_PATTERN,
  description: "Letters, digits, hyphens and underscores; 1 to 64 characters.",
});
export const DisplayName = Type.String({ maxLength: 1024 });
export const Timestamp = Type.String({ description: "ISO 8601 date-time (UTC)." });
export const Duration = Type.String({ pattern: "^-?P", description: "ISO 8601 duration, e.g. PT10M." });

export const EnvironmentSetting = Type.Object(
  { name: Type.String({ minLength: 1 }), value: Type.Optional(Type.String()) },
  strict,
);
export type EnvironmentSetting = Static<typeof EnvironmentSetting>;

export const MetadataItem = Type.Object(
  { name: Type.String({ minLength: 1 }), value: Type.String() },
  strict,
);
export type MetadataItem = Static<typeof MetadataItem>;

export const NameValuePair = Type.Object({ name: Type.String(), value: Type.String() });

export const AutoUserSpecification = Type.Object(
  {
    scope: Type.Optional(Type.Union([Type.Literal("task"), Type.Literal("pool")])),
    elevationLevel: Type.Optional(Type.Union([Type.Literal("nonadmin"), Type.Literal("admin")])),
  },
  strict,
);
export const UserIdentity = Type.Object(
  { username: Type.Optional(Type.String()), autoUser: Type.Optional(AutoUserSpecification) },
  strict,
);
export type UserIdentity = Static<typeof UserIdentity>;

export const ErrorMessage = Type.Object({ lang: Type.String(), value: Type.String() });
export const ErrorBody = Type.Object({
  code: Type.String(),
  message: ErrorMessage,
  values: Type.Optional(Type.Array(Type.Object({ key: Type.String(), value: Type.String() }))),
});

export const FailureInfo = Type.Object({
  category: Type.Union([Type.Literal("usererror"), Type.Literal("servererror")]),
  code: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  details: Type.Optional(Type.Array(NameValuePair)),
});
export type FailureInfo = Static<typeof FailureInfo>;

/** Azure's list envelope; `odata.nextLink` is present while more pages remain. */
export function ListOf<T extends TSchema>(item: T) {
  return Type.Object({
    "odata.metadata": Type.Optional(Type.String()),
    value: Type.Array(item),
    "odata.nextLink": Type.Optional(Type.String()),
  });
}
export interface List<T> {
  "odata.metadata"?: string;
  value: T[];
  "odata.nextLink"?: string;
}

type Literals<T extends readonly string[]> = { -readonly [K in keyof T]: TLiteral<T[K]> };

/** A union of string literals from an `as const` list (the state names of protocol/states.ts). */
export function literalUnion<const T extends readonly string[]>(values: T): TUnion<Literals<T>> {
  return Type.Union(values.map((v) => Type.Literal(v))) as never;
}

/** The properties every Azure Batch resource (pool, job, task) starts with: identity, version, state. */
export function resourceProperties<S extends TSchema>(state: S) {
  return {
    id: Type.String(),
    displayName: Type.Optional(Type.String()),
    url: Type.String(),
    eTag: Type.String(),
    lastModified: Timestamp,
    creationTime: Timestamp,
    state,
    stateTransitionTime: Timestamp,
  };
}
