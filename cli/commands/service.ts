import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { nonNegativeInteger } from "../arguments.js";
import { type CliContext, globalOptions } from "../context.js";
import { configPath, writeConfig } from "../credentials.js";

interface StartOptions {
  host: string;
  port: number;
  dataDir: string;
}

const DEFAULT_DATA_DIR = "~/.openbatch";

export function registerServiceCommands(program: Command, context: CliContext): void {
  const service = program
    .command("service")
    .description("The account service: the Batch REST API that everything talks to.");

  service
    .command("start")
    .description(
      "Run a Batch account service in the foreground until Ctrl+C. It serves the Azure Batch REST API, " +
        "stores state in --data-dir, and saves its credentials for later openbatch commands. " +
        "The account is named by --account-name or OPENBATCH_ACCOUNT_NAME (default local); without " +
        "--account-key or OPENBATCH_ACCOUNT_KEY a key is generated once and kept in --data-dir.",
    )
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "port to listen on (0 picks a free one)", nonNegativeInteger, 8765)
    .option("--data-dir <dir>", "where the account's database and key live", DEFAULT_DATA_DIR)
    .action(async (options: StartOptions, command: Command) => {
      const globals = globalOptions(command);
      const accountKey = globals.accountKey || context.env.OPENBATCH_ACCOUNT_KEY || undefined;
      const running = await context.startService({
        host: options.host,
        port: options.port,
        dataDir: expandHome(options.dataDir),
        accountName: globals.accountName || context.env.OPENBATCH_ACCOUNT_NAME || "local",
        accountKey,
      });
      const credentials = {
        endpoint: running.endpoint,
        accountName: running.accountName,
        accountKey: running.accountKey,
      };
      const savedTo = configPath(context.env);
      writeConfig(savedTo, credentials);
      context.stdout(
        [
          `OpenBatch account service listening on ${running.endpoint}`,
          `  account name: ${running.accountName}`,
          ...(accountKey
            ? []
            : [`  account key:  ${running.accountKey}  (kept in ${expandHome(options.dataDir)})`]),
          `Credentials saved to ${savedTo}; openbatch commands use them from there. For other shells and SDKs:`,
          `  export OPENBATCH_ENDPOINT=${running.endpoint} OPENBATCH_ACCOUNT_NAME=${running.accountName} OPENBATCH_ACCOUNT_KEY=${running.accountKey}`,
          "Press Ctrl+C to stop.",
          "",
        ].join("\n"),
      );
      const signal = await context.untilShutdown();
      context.stderr(`${signal}: stopping the service...\n`);
      await running.close();
    });
}

function expandHome(path: string): string {
  if (path === "~") return homedir();
  if (path.startsWith("~/")) return join(homedir(), path.slice(2));
  return resolve(path);
}
