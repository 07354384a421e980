#!/usr/bin/env node
/**
 * The OpenBatch node agent: one process per compute node.
 *
 *   node dist/agent/main.js --service-url ws://127.0.0.1:PORT/openbatch/agent[,ws://...] --pool-id P \
 *     --join-token T --root /path/to/node/root [--node-id N | --machine-id M] [--ip-address A] [--debug]
 *
 * Exit statuses:
 *   0  stopped on request: the service sent `shutdown`, or the agent got SIGTERM/SIGINT; every task
 *      was terminated first.
 *   1  fatal error: the service refused the registration (bad join token, unknown pool or node), or
 *      the agent crashed (its tasks are killed; a restarted agent reports them as AgentRestarted).
 *   2  usage: bad or missing arguments.
 */
import { parseAgentConfig, USAGE, UsageError } from "./agentConfig.js";
import { createLog, errorText } from "./log.js";
import { ExitStatus, NodeAgent } from "./nodeAgent.js";
import { NodeDirectories } from "./nodeDirectories.js";
import { openServiceLog } from "./serviceLogs.js";

async function main(): Promise<number> {
  let config: ReturnType<typeof parseAgentConfig>;
  try {
    config = parseAgentConfig(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`openbatch-agent: ${error.message}; see --help\n`);
    return ExitStatus.usage;
  }
  if (config === "help") {
    process.stdout.write(`${USAGE}\n`);
    return ExitStatus.shutdown;
  }

  // Every line goes to stderr (the provisioner's log) and to the node's own service log files.
  const serviceLog = openServiceLog(new NodeDirectories(config.root).serviceLogs);
  const log = createLog({
    debug: config.debug,
    write: (line) => {
      process.stderr.write(`${line}\n`);
      serviceLog.write(`${line}\n`);
    },
  });
  const agent = new NodeAgent(config, log);
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => void agent.stop(`received ${signal}`, ExitStatus.shutdown));
  }
  const crash = (error: unknown) => {
    log.error(`agent: fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    agent.killAllTasksNow();
    process.exit(ExitStatus.fatal);
  };
  process.on("uncaughtException", crash);
  process.on("unhandledRejection", crash);
  log.info(
    `agent: starting for pool ${config.poolId}, root ${config.root}, service ${config.serviceUrls.join(", ")}`,
  );
  return agent.run();
}

main().then(
  (status) => process.exit(status),
  (error: unknown) => {
    process.stderr.write(`openbatch-agent: fatal: ${errorText(error)}\n`);
    process.exit(ExitStatus.fatal);
  },
);
