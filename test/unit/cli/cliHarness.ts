/**
 * Runs `openbatch` command lines in-process (cli/program.ts `run`) with captured stdout and stderr,
 * against any service: the real one started in-process (test/unit/api/apiHarness.ts) or the fake.
 */
import { join } from "node:path";
import type { CliContext } from "../../../cli/context.js";
import { run } from "../../../cli/program.js";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Where the commands go: the env variables the CLI reads its credentials from. */
export interface CliTarget {
  endpoint: string;
  accountName: string;
  accountKey: string;
}

export interface Terminal {
  stdoutIsTTY?: boolean;
  stderrIsTTY?: boolean;
}

/** The credentials of `target` as environment variables, with a config file that does not exist. */
export function credentialsEnv(target: CliTarget, dir: string): NodeJS.ProcessEnv {
  return {
    OPENBATCH_ENDPOINT: target.endpoint,
    OPENBATCH_ACCOUNT_NAME: target.accountName,
    OPENBATCH_ACCOUNT_KEY: target.accountKey,
    OPENBATCH_CONFIG: join(dir, "absent.json"),
  };
}

export function contextFor(env: NodeJS.ProcessEnv, result: CliRun, terminal: Terminal = {}): CliContext {
  return {
    env,
    stdout: (data) => {
      result.stdout += typeof data === "string" ? data : Buffer.from(data).toString("utf8");
    },
    stderr: (text) => {
      result.stderr += text;
    },
    ...terminal,
    untilShutdown: () => new Promise(() => {}),
    startService: () => Promise.reject(new Error("not started by these tests")),
  };
}

/**
 * Starts a command line; `output` fills in while it runs (to wait on what a long-running command has
 * printed so far), `done` resolves with the exit code once it returns.
 */
export function startCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  terminal: Terminal = {},
): { output: CliRun; done: Promise<CliRun> } {
  const output: CliRun = { code: -1, stdout: "", stderr: "" };
  const done = run(["node", "openbatch", ...args], contextFor(env, output, terminal)).then((code) => {
    output.code = code;
    return output;
  });
  return { output, done };
}

export function runCli(args: string[], env: NodeJS.ProcessEnv, terminal: Terminal = {}): Promise<CliRun> {
  return startCli(args, env, terminal).done;
}
