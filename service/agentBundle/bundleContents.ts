/**
 * What goes into the agent bundle, read from the running installation: the compiled agent entry and
 * every module it imports, transitively (`dist/agent/...`, `dist/protocol/...`), and the npm packages
 * those import, with the packages they depend on, as npm installed them under `node_modules`. Nothing
 * is listed by hand, so an import added to the agent is in the next bundle.
 */
import fs from "node:fs";
import { isBuiltin } from "node:module";
import path from "node:path";

export interface BundleContents {
  /** The installation's root (where package.json, dist/ and node_modules/ are). */
  root: string;
  /** Compiled modules, relative to `root`, e.g. `dist/agent/main.js`. */
  modules: string[];
  /** Package directories relative to `root`, e.g. `node_modules/ws`; each is copied whole. */
  packages: string[];
}

/** Static `import … from`, `export … from`, side-effect `import "…"` and `import("…")` with a literal. */
const IMPORT = /\bfrom\s*["']([^"']+)["']|\bimport\s*\(?\s*["']([^"']+)["']/g;

export function bundleContents(root: string, entry: string): BundleContents {
  const modules = new Set<string>();
  const bareImports = new Set<string>();
  const pending = [path.resolve(root, entry)];
  while (pending.length > 0) {
    const file = pending.pop()!;
    const relative = path.relative(root, file);
    if (modules.has(relative)) continue;
    if (!fs.existsSync(file))
      throw new Error(`the agent imports ${relative}, which is not built: run npm run build`);
    modules.add(relative);
    for (const match of fs.readFileSync(file, "utf8").matchAll(IMPORT)) {
      const specifier = (match[1] ?? match[2])!;
      if (specifier.startsWith(".")) pending.push(path.resolve(path.dirname(file), specifier));
      else if (!isBuiltin(specifier)) bareImports.add(packageName(specifier));
    }
  }
  return { root, modules: [...modules].sort(), packages: packageClosure(root, bareImports) };
}

/** `typebox/compile` → `typebox`; `@scope/name/sub` → `@scope/name`. */
function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/** The packages' directories and those of their dependencies, resolved as Node resolves them. */
function packageClosure(root: string, names: Iterable<string>): string[] {
  const found = new Set<string>();
  const pending = [...names].map((name) => ({ name, from: root, optional: false }));
  while (pending.length > 0) {
    const { name, from, optional } = pending.pop()!;
    const directory = resolvePackage(root, name, from);
    if (!directory) {
      if (optional) continue;
      throw new Error(`the agent needs the npm package ${name}, which is not installed under ${root}`);
    }
    const relative = path.relative(root, directory);
    // A package nested in one already copied comes with it.
    if ([...found].some((d) => relative === d || relative.startsWith(`${d}${path.sep}`))) continue;
    found.add(relative);
    const manifest = JSON.parse(fs.readFileSync(path.join(directory, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
    };
    for (const dependency of Object.keys(manifest.dependencies ?? {}))
      pending.push({ name: dependency, from: directory, optional: false });
    // Optional and peer dependencies are bundled when installed, as Node would load them then.
    for (const dependency of Object.keys({ ...manifest.optionalDependencies, ...manifest.peerDependencies }))
      pending.push({ name: dependency, from: directory, optional: true });
  }
  return [...found].sort();
}

/** `node_modules/<name>` in `from` or the nearest directory above it, up to `root`. */
function resolvePackage(root: string, name: string, from: string): string | undefined {
  for (let directory = from; ; directory = path.dirname(directory)) {
    const candidate = path.join(directory, "node_modules", name);
    if (fs.existsSync(path.join(candidate, "package.json"))) return candidate;
    if (directory === root || path.dirname(directory) === directory) return undefined;
  }
}
