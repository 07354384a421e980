/**
 * Running one Slurm client command (sbatch, squeue, srun, ...) against the bench cluster: SLURM_CONF points
 * it at our slurm.conf (and through AuthInfo at our munged), never at the machine's own configuration.
 */
import { type ExecFileException, execFile } from "node:child_process";

export interface CommandResult {
  /** Exit code, or a reason such as "killed by SIGKILL" or "spawn srun ENOENT". */
  code: number | string;
  stdout: string;
  stderr: string;
}

/** Listing 100,000 array tasks one per line stays well below this. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

export type SlurmRunner = (
  program: string,
  args: readonly string[],
  timeoutMs: number,
) => Promise<CommandResult>;

export function slurmRunner(slurmConf: string): SlurmRunner {
  const env = { ...process.env, SLURM_CONF: slurmConf };
  return (program, args, timeoutMs) =>
    new Promise((resolve) => {
      execFile(
        program,
        args,
        { env, timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: MAX_OUTPUT_BYTES, encoding: "utf8" },
        (error, stdout, stderr) => {
          const code = error === null ? 0 : codeOf(error);
          resolve({ code, stdout, stderr });
        },
      );
    });
}

/** The exit code, else the signal that killed the command, else why it could not start. */
function codeOf(error: ExecFileException): number | string {
  if (typeof error.code === "number") return error.code;
  if (error.signal) return `killed by ${error.signal}`;
  return error.message;
}

/** One line for an error message: the command, how it ended, and what it printed on stderr. */
export function describeFailure(program: string, args: readonly string[], result: CommandResult): string {
  const stderr = result.stderr.trim().split("\n").slice(-5).join(" / ");
  return `\`${[program, ...args].join(" ")}\` ended with ${result.code}${stderr ? `: ${stderr}` : ""}`;
}
