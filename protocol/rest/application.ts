/**
 * Applications and their packages. The data plane has Azure Batch's read-only view
 * (`ApplicationSummary`) and the `ApplicationPackageReference` that pools and tasks carry; managing
 * applications is ARM's job in Azure, so here it is an OpenBatch extension under
 * `/openbatch/applications` whose shapes mirror ARM's Application and ApplicationPackage.
 */
import Type, { type Static } from "typebox";
import { ID_PATTERN } from "../apiVersion.js";
import { DisplayName, literalUnion, strict, Timestamp } from "./common.js";

/** ARM's rule for version names (letters, digits, `_`, `-`, `.`; 1..64), minus names made only of dots, which are not folder names. */
export const APPLICATION_VERSION_PATTERN = "^(?!\\.+$)[A-Za-z0-9_.-]{1,64}$";
export const APPLICATION_VERSION_REGEX = new RegExp(APPLICATION_VERSION_PATTERN);

export const ApplicationVersion = Type.String({
  pattern: APPLICATION_VERSION_PATTERN,
  description: "Letters, digits, '_', '-' and '.'; 1 to 64 characters, not only dots.",
});

/** A package to install on a pool's nodes (when they join) or before a task runs. */
export const ApplicationPackageReference = Type.Object(
  {
    applicationId: Type.String({ pattern: ID_PATTERN }),
    /** Without it, the application's `defaultVersion`. */
    version: Type.Optional(ApplicationVersion),
  },
  strict,
);
export type ApplicationPackageReference = Static<typeof ApplicationPackageReference>;

/** `GET /applications/{applicationId}`: an application as the data plane shows it. */
export const ApplicationSummary = Type.Object({
  id: Type.String(),
  displayName: Type.String(),
  /** Versions that can be referenced (every uploaded package; all are active). */
  versions: Type.Array(Type.String()),
});
export type ApplicationSummary = Static<typeof ApplicationSummary>;

/**
 * Body of `PUT /openbatch/applications/{applicationId}` (create, or replace the settings) and of
 * `PATCH` (only the properties given change).
 */
export const ApplicationPutParameter = Type.Object(
  {
    displayName: Type.Optional(DisplayName),
    /** Whether an uploaded version may be replaced by uploading it again (default true). */
    allowUpdates: Type.Optional(Type.Boolean()),
    /** The version used by references without one; it must have been uploaded. */
    defaultVersion: Type.Optional(ApplicationVersion),
  },
  strict,
);
export type ApplicationPutParameter = Static<typeof ApplicationPutParameter>;

/** An application as `/openbatch/applications` returns it (ARM's Application properties). */
export const Application = Type.Object({
  id: Type.String(),
  displayName: Type.Optional(Type.String()),
  allowUpdates: Type.Boolean(),
  defaultVersion: Type.Optional(Type.String()),
  eTag: Type.String(),
  lastModified: Timestamp,
});
export type Application = Static<typeof Application>;

export const packageFormats = ["tar.gz", "zip"] as const;
export type PackageFormat = (typeof packageFormats)[number];

/** One uploaded version (ARM's ApplicationPackage properties); `state` is always `active` once uploaded. */
export const ApplicationPackage = Type.Object({
  applicationId: Type.String(),
  version: Type.String(),
  state: Type.Literal("active"),
  format: literalUnion(packageFormats),
  /** Lower-case hex SHA-256 of the archive; nodes check it after downloading. */
  sha256: Type.String(),
  /** The archive's size in bytes. */
  size: Type.Integer(),
  lastActivationTime: Timestamp,
});
export type ApplicationPackage = Static<typeof ApplicationPackage>;
