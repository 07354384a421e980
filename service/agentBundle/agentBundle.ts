/**
 * The agent bundle served at `/openbatch/agent/bundle.tar.gz`: a gzip tarball that cloud VMs download
 * at boot and extract into a directory of their own. It holds the compiled agent and the protocol
 * modules it imports (`dist/`), the npm packages they need (`node_modules/`, copied from this
 * installation: no registry is needed at boot), a `package.json`, and `bin/openbatch-agent`, a sh
 * script that runs the agent with the `node` on PATH. Built from the running installation on first
 * request and kept in `<dataDir>/agent-bundle/`, named by a fingerprint of its inputs, so a restart
 * serves the same file and an upgraded installation builds a new one.
 */
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import * as tar from "tar";
import { type BundleContents, bundleContents } from "./bundleContents.js";

export const AGENT_BUNDLE_PATH = "/openbatch/agent/bundle.tar.gz";
/** The agent's entry inside the installation and inside the bundle. */
const AGENT_ENTRY = "dist/agent/main.js";
/** Bump when the bundle's layout changes, so that cached bundles of the old layout are rebuilt. */
const LAYOUT_VERSION = 1;

const LAUNCHER = `#!/bin/sh
# Runs the OpenBatch node agent of this bundle with the node on PATH; see --help.
bundle=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd) || exit 1
exec node "$bundle/${AGENT_ENTRY}" "$@"
`;

export interface BuiltBundle {
  file: string;
  size: number;
  /** Hex sha256 of the file: its ETag. */
  sha256: string;
}

export class AgentBundle {
  private built?: Promise<BuiltBundle>;

  /** `root`: the installation (package.json, dist/, node_modules/); `cacheDirectory`: where bundles are kept. */
  constructor(
    private readonly root: string,
    private readonly cacheDirectory: string,
  ) {}

  /** The bundle, built (or found in the cache) on the first call; a failed build is tried again next time. */
  get(): Promise<BuiltBundle> {
    this.built ??= this.build().catch((error: unknown) => {
      this.built = undefined;
      throw error;
    });
    return this.built;
  }

  private async build(): Promise<BuiltBundle> {
    const contents = bundleContents(this.root, AGENT_ENTRY);
    const manifest = bundleManifest(this.root);
    const name = `openbatch-agent-${manifest.version}-${fingerprint(contents, manifest).slice(0, 16)}.tar.gz`;
    const file = path.join(this.cacheDirectory, name);
    if (!fs.existsSync(file)) await this.pack(contents, manifest, file);
    const data = await fs.promises.readFile(file);
    return { file, size: data.length, sha256: createHash("sha256").update(data).digest("hex") };
  }

  /** Copies the contents into a staging directory, adds the launcher and manifest, and tars it up. */
  private async pack(contents: BundleContents, manifest: object, file: string): Promise<void> {
    const staging = path.join(this.cacheDirectory, `staging-${randomBytes(6).toString("hex")}`);
    const partial = `${staging}.tar.gz`;
    await fs.promises.mkdir(this.cacheDirectory, { recursive: true });
    try {
      for (const relative of [...contents.modules, ...contents.packages])
        await fs.promises.cp(path.join(this.root, relative), path.join(staging, relative), {
          recursive: true,
        });
      await fs.promises.writeFile(
        path.join(staging, "package.json"),
        `${JSON.stringify(manifest, null, 2)}\n`,
      );
      await fs.promises.mkdir(path.join(staging, "bin"));
      await fs.promises.writeFile(path.join(staging, "bin", "openbatch-agent"), LAUNCHER, { mode: 0o755 });
      // Only the files: extracting into an existing directory leaves its own mode and owner alone.
      await tar.create({ gzip: true, portable: true, cwd: staging, file: partial }, [
        "bin",
        "dist",
        "node_modules",
        "package.json",
      ]);
      await fs.promises.rename(partial, file);
      // Bundles of an earlier installation are served no more.
      for (const entry of await fs.promises.readdir(this.cacheDirectory))
        if (entry.endsWith(".tar.gz") && entry !== path.basename(file))
          await fs.promises.rm(path.join(this.cacheDirectory, entry), { force: true });
    } finally {
      await fs.promises.rm(staging, { recursive: true, force: true });
      await fs.promises.rm(partial, { force: true });
    }
  }
}

/** The bundle's package.json: ESM (the compiled code is), the installation's version and runtime dependencies. */
function bundleManifest(root: string): { name: string; version: string } & Record<string, unknown> {
  const installed = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
    name: string;
    version: string;
    engines?: Record<string, string>;
  };
  return {
    name: installed.name,
    version: installed.version,
    description: "The OpenBatch node agent, with everything it needs to run: bin/openbatch-agent --help",
    private: true,
    type: "module",
    bin: { "openbatch-agent": "bin/openbatch-agent" },
    engines: installed.engines,
  };
}

/** Changes when any input file does (path, size, modification time) or the layout does. */
function fingerprint(contents: BundleContents, manifest: object): string {
  const hash = createHash("sha256").update(`layout ${LAYOUT_VERSION}\n${JSON.stringify(manifest)}\n`);
  const add = (absolute: string) => {
    const stat = fs.statSync(absolute);
    if (stat.isDirectory()) {
      for (const entry of fs.readdirSync(absolute).sort()) add(path.join(absolute, entry));
      return;
    }
    hash.update(`${path.relative(contents.root, absolute)} ${stat.size} ${stat.mtimeMs}\n`);
  };
  for (const relative of [...contents.modules, ...contents.packages]) add(path.join(contents.root, relative));
  return hash.digest("hex");
}

/** The installation this code runs from: the nearest directory above it with OpenBatch's package.json. */
export function installationRoot(from: string): string {
  for (let directory = from; ; directory = path.dirname(directory)) {
    try {
      const manifest = JSON.parse(fs.readFileSync(path.join(directory, "package.json"), "utf8")) as {
        name?: string;
      };
      if (manifest.name === "openbatch") return directory;
    } catch {
      // not here
    }
    if (path.dirname(directory) === directory)
      throw new Error(`no OpenBatch installation (package.json named openbatch) above ${from}`);
  }
}
