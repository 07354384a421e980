/** Runs `openbatch` commands in-process with a captured stdout/stderr, as the CLI tests need. */
import type { CliContext } from "../../../cli/context.js";
import { run } from "../../../cli/program.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A context that appends what the command prints to `result` and starts no service. */
export function contextFor(env: NodeJS.ProcessEnv, result: CliResult): CliContext {
  return {
    env,
    stdout: (data) => {
      result.stdout += typeof data === "string" ? data : Buffer.from(data).toString("utf8");
    },
    stderr: (text) => {
      result.stderr += text;
    },
    untilShutdown: () => new Promise(() => {}),
    startService: () => Promise.reject(new Error("not started by these tests")),
  };
}

/** Runs `openbatch <args>` with `env` and returns its exit code and output. */
export async function runOpenbatch(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const result = { code: 0, stdout: "", stderr: "" };
  result.code = await run(["node", "openbatch", ...args], contextFor(env, result));
  return result;
}
