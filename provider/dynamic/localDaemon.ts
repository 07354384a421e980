/**
 * The local account service behind an `Account` with `cloud: "local"`: one `openbatch service start`
 * daemon per data directory, found through `<dataDir>/service.json` (protocol/serviceFile.ts), adopted
 * when it runs and answers its health check, started detached (its own process group, its log in
 * `<dataDir>/service.log`) otherwise, and stopped with `openbatch service stop`.
 */
import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { readServiceFile, type ServiceFile } from "../../protocol/serviceFile.js";

/** The `openbatch` command of this package (its `bin`, built), also when this file runs from source in tests. */
const cli = (() => {
  const packageJson = createRequire(import.meta.url).resolve("openbatch/package.json");
  const { bin } = JSON.parse(fs.readFileSync(packageJson, "utf8")) as { bin: { openbatch: string } };
  return path.join(path.dirname(packageJson), bin.openbatch);
})();
const START_TIMEOUT_MS = 30_000;
const POLL_MS = 100;

export interface DaemonSettings {
  /** Absolute. */
  dataDir: string;
  accountName: string;
  host: string;
  /** 0: any free port. */
  port: number;
  /** Absent: the key kept in the data directory (generated on the first start). */
  accountKey?: string;
}

export interface RunningDaemon {
  pid: number;
  endpoint: string;
  accountName: string;
  accountKey: string;
}

/** `~/x` → the home directory's `x`; other paths made absolute. */
export function expandHome(dir: string): string {
  if (dir === "~") return os.homedir();
  if (dir.startsWith("~/")) return path.join(os.homedir(), dir.slice(2));
  return path.resolve(dir);
}

/** The running, healthy daemon of a data directory, if there is one. */
export async function runningDaemon(dataDir: string): Promise<RunningDaemon | undefined> {
  const info = readServiceFile(dataDir);
  if (!info || !(await healthy(info))) return undefined;
  const accountKey = keptAccount(dataDir)?.accountKey;
  if (!accountKey) return undefined;
  return { pid: info.pid, endpoint: info.endpoint, accountName: info.accountName, accountKey };
}

/** The account name and key the service keeps in its data directory (service/main.ts). */
export function keptAccount(dataDir: string): { accountName: string; accountKey: string } | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dataDir, "account.json"), "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * Adopts the daemon of `settings.dataDir` when it runs with these settings, restarts it when it runs
 * with others (port, key), starts one when none runs. Refuses a daemon of another account name.
 */
export async function ensureDaemon(settings: DaemonSettings): Promise<RunningDaemon> {
  const running = await runningDaemon(settings.dataDir);
  if (running) {
    if (running.accountName !== settings.accountName) {
      throw new Error(
        `The service on ${settings.dataDir} serves account '${running.accountName}', not '${settings.accountName}': ` +
          "choose another dataDir for this account, or stop that service (openbatch service stop --data-dir ...).",
      );
    }
    if (matches(running, settings)) return running;
    await stopDaemon(settings.dataDir);
  }
  return startDaemon(settings);
}

function matches(running: RunningDaemon, settings: DaemonSettings): boolean {
  const url = new URL(running.endpoint);
  if (settings.port !== 0 && Number(url.port) !== settings.port) return false;
  if (settings.accountKey && settings.accountKey !== running.accountKey) return false;
  return settings.host === "0.0.0.0" || settings.host === "::" || url.hostname === settings.host;
}

async function startDaemon(settings: DaemonSettings): Promise<RunningDaemon> {
  const { dataDir } = settings;
  fs.mkdirSync(dataDir, { recursive: true });
  const logFile = path.join(dataDir, "service.log");
  const log = fs.openSync(logFile, "a");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // The CLI's own config file stays the user's: the daemon's credentials go to its data directory.
    OPENBATCH_CONFIG: path.join(dataDir, "config.json"),
  };
  delete env.OPENBATCH_ACCOUNT_KEY;
  if (settings.accountKey) env.OPENBATCH_ACCOUNT_KEY = settings.accountKey;
  const args = [cli, "service", "start", "--data-dir", dataDir, "--host", settings.host];
  args.push("--port", String(settings.port), "--account-name", settings.accountName);
  const child = spawn(process.execPath, args, { detached: true, stdio: ["ignore", log, log], env });
  fs.closeSync(log);
  child.unref();
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const daemon = await runningDaemon(dataDir);
    if (daemon && daemon.pid === child.pid) return daemon;
    if (exited || Date.now() > deadline) {
      if (!exited) child.kill("SIGKILL");
      throw new Error(
        `The account service for ${dataDir} did not start${exited ? ` (it exited with ${child.exitCode})` : " within 30 s"}. ` +
          `The end of its log (${logFile}):\n${tail(logFile)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Stops the daemon of a data directory (SIGTERM, SIGKILL after 10 s) and waits until it has exited. */
export async function stopDaemon(dataDir: string): Promise<void> {
  await promisify(execFile)(process.execPath, [
    cli,
    "service",
    "stop",
    "--data-dir",
    dataDir,
    "--grace",
    "10s",
  ]);
}

async function healthy(info: ServiceFile): Promise<boolean> {
  try {
    const response = await fetch(`${info.endpoint}/openbatch/health`, { signal: AbortSignal.timeout(2_000) });
    const body = (await response.json()) as { status?: string; accountName?: string };
    return response.ok && body.status === "ok" && body.accountName === info.accountName;
  } catch {
    return false;
  }
}

function tail(file: string): string {
  try {
    return fs.readFileSync(file, "utf8").split("\n").slice(-20).join("\n");
  } catch {
    return "(no log)";
  }
}
