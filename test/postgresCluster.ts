/**
 * A throwaway PostgreSQL cluster for tests: its own data directory under the temp dir, listening on
 * 127.0.0.1 only (on a free port) and on a socket inside that directory, with one database.
 * `initdb` takes seconds, so its result is kept once per machine as a template (keyed by the server
 * version) and each cluster starts from a copy. As root the server runs as the `postgres` user, as
 * PostgreSQL refuses to run as root. Missing binaries fail the test, never skip it: CI must prove the
 * PostgreSQL store (Debian: apt-get install postgresql).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";

export interface PostgresCluster {
  /** postgres://postgres@127.0.0.1:<port>/openbatch */
  url: string;
  /** Stops the server at once and removes its directory. */
  stop(): void;
}

const DATABASE = "openbatch";
const asRoot = process.getuid?.() === 0;

/** Where the server binaries are: `$OPENBATCH_PG_BIN`, the newest /usr/lib/postgresql/<v>/bin, or PATH. */
function binDir(): string {
  const candidates = [
    process.env.OPENBATCH_PG_BIN,
    ...(fs.existsSync("/usr/lib/postgresql")
      ? fs
          .readdirSync("/usr/lib/postgresql")
          .sort((a, b) => Number(b) - Number(a))
          .map((v) => `/usr/lib/postgresql/${v}/bin`)
      : []),
    ...(process.env.PATH ?? "").split(":"),
  ];
  const found = candidates.find((dir) => dir && fs.existsSync(path.join(dir, "initdb")));
  if (!found)
    throw new Error(
      "PostgreSQL's server binaries (initdb, pg_ctl) were not found: install PostgreSQL " +
        "(Debian: apt-get install postgresql; .ci/run does) or point OPENBATCH_PG_BIN at their directory.",
    );
  return found;
}

function run(bin: string, args: string[]): void {
  const [command, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, args];
  try {
    execFileSync(command, argv, { stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const e = error as { stderr?: Buffer; stdout?: Buffer };
    throw new Error(
      `${path.basename(bin)} ${args.join(" ")} failed: ${e.stderr?.toString() ?? ""}${e.stdout ?? ""}`,
    );
  }
}

function ownByServer(dir: string): void {
  if (asRoot) execFileSync("chown", ["-R", "postgres:postgres", dir]);
}

/** An initdb'd data directory to copy, made once per machine and server version. */
function template(bin: string): string {
  const version = execFileSync(path.join(bin, "pg_ctl"), ["--version"])
    .toString()
    .trim()
    .replace(/\W+/g, "-");
  const dir = path.join(os.tmpdir(), `openbatch-pg-template-${version}-uid${process.getuid?.() ?? 0}`);
  if (fs.existsSync(path.join(dir, "PG_VERSION"))) return dir;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "openbatch-pg-initdb-"));
  ownByServer(scratch);
  const data = path.join(scratch, "data");
  run(path.join(bin, "initdb"), [
    "-D",
    data,
    "-A",
    "trust",
    "-U",
    "postgres",
    "-E",
    "UTF8",
    "--locale=C.UTF-8",
    "--no-sync",
    "--no-instructions",
  ]);
  try {
    // Atomic: a parallel test file either sees the whole template or none.
    fs.renameSync(data, dir);
  } catch {
    // another file won the race: use its template
  }
  fs.rmSync(scratch, { recursive: true, force: true });
  return dir;
}

/** A port on 127.0.0.1 that nothing listens on at the moment. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = binDir();
  const source = template(bin);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "openbatch-pg-"));
  const data = path.join(root, "data");
  execFileSync("cp", ["-a", source, data]);
  ownByServer(root);
  const port = await freePort();
  const settings = [
    "-c listen_addresses=127.0.0.1",
    `-c port=${port}`,
    `-c unix_socket_directories=${root}`,
    // A test cluster dies with its test: durability across a power cut is not what is tested.
    "-c fsync=off",
    "-c full_page_writes=off",
    "-c shared_buffers=16MB",
  ].join(" ");
  const stop = () => {
    try {
      run(path.join(bin, "pg_ctl"), ["-D", data, "-s", "-m", "immediate", "stop"]);
    } catch {
      // not running
    }
    fs.rmSync(root, { recursive: true, force: true });
  };
  try {
    run(path.join(bin, "pg_ctl"), [
      "-D",
      data,
      "-w",
      "-s",
      "-l",
      path.join(root, "server.log"),
      "-o",
      settings,
      "start",
    ]);
    const admin = new pg.Client({ host: "127.0.0.1", port, user: "postgres", database: "postgres" });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${DATABASE}`);
    await admin.end();
  } catch (error) {
    const log = fs.existsSync(path.join(root, "server.log"))
      ? fs.readFileSync(path.join(root, "server.log"), "utf8")
      : "";
    stop();
    throw new Error(`The test PostgreSQL cluster did not start: ${(error as Error).message}\n${log}`);
  }
  return { url: `postgres://postgres@127.0.0.1:${port}/${DATABASE}`, stop };
}
