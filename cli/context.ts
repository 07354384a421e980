import type { Command } from "commander";
import { BatchClient } from "../client/batchClient.js";
import type { RunningService, ServiceOptions } from "../service/main.js";
import { resolveCredentials } from "./credentials.js";
import type { OutputFormat } from "./output.js";

/** Everything a command touches outside itself, so tests can run commands in-process. */
export interface CliContext {
  env: NodeJS.ProcessEnv;
  stdout: (data: string | Uint8Array) => void;
  stderr: (text: string) => void;
  /** Whether stdout / stderr is a terminal: live progress and redrawn tables go only to one. */
  stdoutIsTTY?: boolean;
  stderrIsTTY?: boolean;
  /** Resolves with the signal's name when the user asks a long-running command to stop. */
  untilShutdown: () => Promise<string>;
  startService: (options: ServiceOptions) => Promise<RunningService>;
}

export function processContext(): CliContext {
  return {
    env: process.env,
    stdout: (data) => process.stdout.write(data),
    stderr: (text) => process.stderr.write(text),
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    untilShutdown: () =>
      new Promise((resolve) => {
        const stop = (signal: NodeJS.Signals) => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          resolve(signal);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      }),
    // Imported on demand: the service pulls in fastify and SQLite, which no other command needs.
    startService: async (options) => (await import("../service/main.js")).startService(options),
  };
}

/** The options defined on the root command, readable from any subcommand. */
export interface GlobalOptions {
  output: OutputFormat;
  endpoint?: string;
  accountName?: string;
  accountKey?: string;
}

export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

export function clientFor(command: Command, context: CliContext): BatchClient {
  const { endpoint, accountName, accountKey } = globalOptions(command);
  return new BatchClient(resolveCredentials({ endpoint, accountName, accountKey }, context.env));
}
