/**
 * Slurm and munge for the Slurm peer: installed from the Debian mirror when a daemon or command is missing.
 * The bench runs as root in a throwaway machine, so installing is its job rather than a prerequisite.
 */
import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

export type Log = (line: string) => void;

/** Daemons and commands the Slurm peer runs; `slurmctld` and `munged` live in sbin. */
const REQUIRED_PROGRAMS = ["slurmctld", "slurmd", "sbatch", "srun", "squeue", "sinfo", "scancel", "munged"];
const SBIN_DIRS = ["/usr/local/sbin", "/usr/sbin", "/sbin"];
const INSTALL_COMMAND = "apt-get update && apt-get install -y --no-install-recommends slurm-wlm munge";
const INSTALL_DEADLINE_MS = 15 * 60_000;
const OUTPUT_TAIL_LINES = 30;

/** Absolute path of `program` on PATH or in sbin (which root's PATH may lack), or undefined. */
export function findProgram(program: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter).filter(Boolean), ...SBIN_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** Installs slurm-wlm and munge unless every required program is already there. Throws if apt fails. */
export async function ensureSlurmInstalled(log: Log): Promise<void> {
  const missing = REQUIRED_PROGRAMS.filter((program) => findProgram(program) === undefined);
  if (missing.length === 0) return;
  log(`slurm: ${missing.join(", ")} missing; running ${INSTALL_COMMAND}`);
  const { code, output } = await runShell(INSTALL_COMMAND, INSTALL_DEADLINE_MS);
  const stillMissing = REQUIRED_PROGRAMS.filter((program) => findProgram(program) === undefined);
  if (code !== 0 || stillMissing.length > 0) {
    const tail = output.trimEnd().split("\n").slice(-OUTPUT_TAIL_LINES).join("\n");
    const what = code !== 0 ? `exited with ${code}` : `left ${stillMissing.join(", ")} missing`;
    throw new Error(`installing Slurm failed: \`${INSTALL_COMMAND}\` ${what}\n${tail}`);
  }
  log("slurm: installed slurm-wlm and munge");
}

/** Runs a shell command with noninteractive apt, collecting stdout and stderr together; kills it at the deadline. */
function runShell(command: string, deadlineMs: number): Promise<{ code: number | string; output: string }> {
  return new Promise((resolve) => {
    const child = spawn("sh", ["-c", command], {
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: deadlineMs,
      killSignal: "SIGKILL",
    });
    let output = "";
    const collect = (chunk: Buffer) => {
      output += chunk.toString("utf8");
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("error", (error) => resolve({ code: error.message, output }));
    child.on("close", (code, signal) => resolve({ code: code ?? `killed by ${signal}`, output }));
  });
}
