import { Command, CommanderError, Option } from "commander";
import { BatchConnectionError, BatchRequestError } from "../client/errors.js";
import { registerApplicationCommands } from "./commands/application.js";
import { registerCertificateCommands } from "./commands/certificate.js";
import { registerJobCommands } from "./commands/job.js";
import { registerNetworkCommands } from "./commands/network.js";
import { registerNodeCommands } from "./commands/node.js";
import { registerPoolCommands } from "./commands/pool.js";
import { registerScheduleCommands } from "./commands/schedule.js";
import { registerServiceCommands } from "./commands/service.js";
import { registerStorageCommands } from "./commands/storage.js";
import { registerTaskCommands } from "./commands/task.js";
import type { CliContext } from "./context.js";
import { CommandError, UsageError, WaitTimedOut } from "./errors.js";
import { outputFormats } from "./output.js";

export const exitCodes = { ok: 0, failed: 1, usage: 2, timeout: 2 } as const;

const helpEpilogue = `
Credentials (for every command but \`service start\`), each taken from the first place that has it:
  --endpoint / --account-name / --account-key flags,
  OPENBATCH_ENDPOINT / OPENBATCH_ACCOUNT_NAME / OPENBATCH_ACCOUNT_KEY,
  the config file ~/.openbatch/config.json (or $OPENBATCH_CONFIG), written by \`openbatch service start\`.

Example: run a command on a local pool
  $ openbatch service start &                          # the account service, on http://127.0.0.1:8765
  $ openbatch pool create p1 --vm-size standard_d2s_v3 --target-dedicated-nodes 2
  $ openbatch node list p1                              # wait until the nodes are idle
  $ openbatch job create j1 --pool-id p1
  $ openbatch task add j1 t1 --command-line "/bin/sh -c 'echo hello from \\$AZ_BATCH_NODE_ID'"
  $ openbatch task list j1                              # wait until t1 is completed
  $ openbatch task output j1 t1                         # its stdout.txt

Exit codes:
  0  success
  1  the service refused the request or could not be reached (printed as "error: <code>: <message>")
  2  usage error: unknown command or option, invalid value, unreadable --json-file, missing credentials;
     or a wait that timed out (job wait --timeout, printed as "error: Timeout: <message>")
  \`job wait\` and \`task list --watch\` exit 1 when a task of the job failed (error: TasksFailed).
`;

/** The `openbatch` command tree; exits through thrown errors so that `run` decides the exit code. */
export function createProgram(context: CliContext): Command {
  const program = new Command("openbatch")
    .description("OpenBatch: a self-hosted batch computing service that speaks the Azure Batch REST API.")
    .addOption(
      new Option("-o, --output <format>", "table for people, json for the raw Azure objects")
        .choices(outputFormats)
        .default("table"),
    )
    .option("--endpoint <url>", "the account service's URL, e.g. http://127.0.0.1:8765")
    .option("--account-name <name>", "the Batch account's name")
    .option("--account-key <base64>", "the Batch account's key")
    .configureOutput({ writeOut: (text) => context.stdout(text), writeErr: (text) => context.stderr(text) })
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .addHelpText("after", helpEpilogue);
  registerServiceCommands(program, context);
  registerPoolCommands(program, context);
  registerCertificateCommands(program, context);
  registerNodeCommands(program, context);
  registerJobCommands(program, context);
  registerScheduleCommands(program, context);
  registerTaskCommands(program, context);
  registerStorageCommands(program, context);
  registerApplicationCommands(program, context);
  registerNetworkCommands(program, context);
  return program;
}

/** Runs one command line (`argv` as in `process.argv`) and returns the exit code. */
export async function run(argv: readonly string[], context: CliContext): Promise<number> {
  try {
    await createProgram(context).parseAsync([...argv]);
    return exitCodes.ok;
  } catch (error) {
    // Commander has already printed its own message (or the help).
    if (error instanceof CommanderError) return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    if (error instanceof UsageError) {
      context.stderr(`error: ${error.message}\n`);
      return exitCodes.usage;
    }
    if (error instanceof WaitTimedOut) {
      context.stderr(`error: ${error.code}: ${error.message}\n`);
      return exitCodes.timeout;
    }
    if (
      error instanceof BatchRequestError ||
      error instanceof BatchConnectionError ||
      error instanceof CommandError
    ) {
      context.stderr(`error: ${error.code}: ${error.message}\n`);
      return exitCodes.failed;
    }
    throw error;
  }
}
