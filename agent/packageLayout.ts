/**
 * Where application packages live on a node and the variables that point at them. Each version of an
 * application has its own folder, `<node root>/applications/<applicationId>.<version>` (an application
 * id cannot contain a dot, so the name is unambiguous; Azure also keeps one folder per app and version).
 *
 * Variables, as Azure Batch sets them on Linux nodes: `AZ_BATCH_APP_PACKAGE_<applicationId>_<version>`
 * for every package, and `AZ_BATCH_APP_PACKAGE_<applicationId>` for one referenced without a version
 * (the default version). On Linux, `.`, `-` and `#` in the name become `_`, and the case of the
 * application id is kept: version `1.0` of `blender` is `AZ_BATCH_APP_PACKAGE_blender_1_0`.
 */
import { join } from "node:path";

export interface InstalledPackage {
  applicationId: string;
  version: string;
  /** Referenced without a version, i.e. as the application's default. */
  isDefault: boolean;
}

export function packageFolderName(applicationId: string, version: string): string {
  return `${applicationId}.${version}`;
}

export function packageFolder(applicationsDir: string, applicationId: string, version: string): string {
  return join(applicationsDir, packageFolderName(applicationId, version));
}

/** The characters a Linux environment variable name cannot carry, as Azure flattens them. */
function flattened(name: string): string {
  return name.replace(/[.#-]/g, "_");
}

export function packageVariableName(applicationId: string, version?: string): string {
  const base = `AZ_BATCH_APP_PACKAGE_${flattened(applicationId)}`;
  return version === undefined ? base : `${base}_${flattened(version)}`;
}

/** The AZ_BATCH_APP_PACKAGE_* variables for these packages, each pointing at its folder. */
export function packageVariables(
  applicationsDir: string,
  packages: readonly InstalledPackage[],
): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const pkg of packages) {
    const folder = packageFolder(applicationsDir, pkg.applicationId, pkg.version);
    variables[packageVariableName(pkg.applicationId, pkg.version)] = folder;
    if (pkg.isDefault) variables[packageVariableName(pkg.applicationId)] = folder;
  }
  return variables;
}
