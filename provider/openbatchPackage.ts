/**
 * The npm spec the account hosts install by default: this package's own name and version, read from
 * its package.json (found by walking up from this file, so it works from the sources and from dist/).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export function defaultPackageSpec(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(directory, "package.json");
    if (existsSync(candidate)) {
      const manifest = JSON.parse(readFileSync(candidate, "utf8")) as { name?: string; version?: string };
      if (manifest.name === "openbatch" && manifest.version) return `${manifest.name}@${manifest.version}`;
    }
    const parent = dirname(directory);
    if (parent === directory)
      throw new Error("openbatch's package.json was not found; give packageSpec explicitly");
    directory = parent;
  }
}
