import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
import { parseDuration } from "../../protocol/duration.js";
import { readServiceFile, removeServiceFile } from "../../protocol/serviceFile.js";
import type { NetworkIsolationOption, ProvisionerKind, RunningService } from "../../service/main.js";
import { isAlive, signal, waitForExit } from "../../service/provisioners/processes.js";
import { durationMs, nonNegativeInteger, positiveInteger } from "../arguments.js";
import { addCloudFlags, type CloudFlags, cloudProvisionerConfig } from "../cloudProvisionerOptions.js";
import { type CliContext, globalOptions } from "../context.js";
import { configPath, writeConfig } from "../credentials.js";
import { CommandError } from "../errors.js";
import { examples } from "../examples.js";

interface StartOptions extends CloudFlags {
  host: string;
  port: number;
  dataDir: string;
  provisioner: ProvisionerKind;
  networkIsolation: NetworkIsolationOption;
  heartbeatIntervalMs?: number;
  minScheduleInterval?: string;
  nodeLostAfter?: number;
  minFreeDiskMib?: number;
}

const DEFAULT_DATA_DIR = "~/.openbatch";

export function registerServiceCommands(program: Command, context: CliContext): void {
  const service = program
    .command("service")
    .description("The account service: the Batch REST API that everything talks to.")
    .addHelpText(
      "after",
      examples(
        ["start an account on http://127.0.0.1:8765 and leave it running", "openbatch service start &"],
        ["then, in any shell of the same user", "openbatch pool list"],
      ),
    );

  const start = service
    .command("start")
    .summary("Run the account service in the foreground; prints its endpoint and account key.")
    .description(
      "Run a Batch account service in the foreground until Ctrl+C. It serves the Azure Batch REST API, " +
        "keeps its state in --data-dir (SQLite), and once it listens prints its endpoint and credentials " +
        "and saves them to ~/.openbatch/config.json (or $OPENBATCH_CONFIG) for later openbatch commands. " +
        "The account is named by --account-name or OPENBATCH_ACCOUNT_NAME (default local; 3 to 24 " +
        "lower-case letters and digits); without --account-key or OPENBATCH_ACCOUNT_KEY a key is " +
        "generated on the first start, printed, and kept in --data-dir for the next ones. " +
        "Stopping the service leaves local pools' nodes (agent processes) running, as VMs would: they " +
        "reconnect when it starts again on the same --data-dir. Delete the pools first to stop them. " +
        "With --provisioner external the service starts no agents: you run one per node (the agent " +
        "bundle's dist/agent/main.js with --service-url, --pool-id, --node-id, --root, and the join " +
        "token in OPENBATCH_JOIN_TOKEN), as listed in <data-dir>/external/<pool>.json; a node that " +
        "leaves its pool is taken off that list and its agent is told to shut down. " +
        "With --provisioner azure or aws, pool P's machines are the VMs of the scale set or Auto Scaling " +
        "group <prefix>P (created by the Pulumi components): the service sets its capacity and removes a " +
        "leaving node's own instance; each VM's agent, from the bundle at /openbatch/agent/bundle.tar.gz, " +
        "registers with --machine-id. See docs/cloud.md.",
    )
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "port to listen on (0 picks a free one)", nonNegativeInteger, 8765)
    .option("--data-dir <dir>", "where the account's database, key and local nodes live", DEFAULT_DATA_DIR)
    .addOption(
      new Option(
        "--provisioner <kind>",
        "who starts the nodes' agents. local: each node is an agent process on this machine. " +
          "external: you start them yourself, anywhere that reaches the service; for each pool the " +
          "service lists the nodes waiting for an agent, the agent URL and the join token in " +
          "<data-dir>/external/<pool>.json, and a node stays 'starting' until its agent registers. " +
          "azure / aws: each pool is a VM scale set / Auto Scaling group that the service sizes",
      )
        .choices(["local", "external", "azure", "aws"])
        .default("local"),
    )
    .addOption(
      new Option(
        "--network-isolation <mode>",
        "how local nodes on a virtual network (openbatch network create) are kept apart. auto: each " +
          "node gets its own network namespace and address where the host allows it (root and " +
          "ip netns), loopback otherwise; namespaces: refuse to start without them; loopback: never " +
          "use them, every node on 127.0.0.1",
      )
        .choices(["auto", "namespaces", "loopback"])
        .default("auto"),
    )
    .option(
      "--heartbeat-interval-ms <ms>",
      "how often agents send a heartbeat, told to each agent when it registers (a tuning knob: " +
        "lower notices lost nodes sooner, higher costs less with many nodes; at least 100, default 5000)",
      heartbeatInterval,
    )
    .option(
      "--node-lost-after <duration>",
      "how long a node's agent may be silent (stopped, crashed, cut off) before its running tasks are " +
        "requeued on other nodes, as an ISO 8601 duration (default PT5M; at least 4 heartbeat " +
        "intervals). Agents end their own tasks after as long without the service, so no task runs " +
        "twice at once; shorter outages, such as a service restart, cost nothing",
      isoDuration,
    )
    .option(
      "--min-free-disk-mib <mib>",
      "a node with less free space under its root is unusable (node error DiskFull) and gets no new " +
        "task until space is freed (default 1% of its disk, at most 50 MiB)",
      positiveInteger,
    )
    .option(
      "--min-schedule-interval <duration>",
      "the shortest recurrenceInterval and startWindow a job schedule may have, as an ISO 8601 " +
        "duration (default PT1M, Azure's minimum; lower it to try schedules out, e.g. PT5S)",
    );
  addCloudFlags(start);
  start
    .addHelpText(
      "after",
      examples(
        ["the default account: port 8765, state in ~/.openbatch, a generated key", "openbatch service start"],
        [
          "a second account beside it: a free port, its own state, its own config file",
          "OPENBATCH_CONFIG=/tmp/ob2/config.json openbatch service start --port 0 --data-dir /tmp/ob2 --account-name second",
        ],
        [
          "a key of your own (base64 of at least 16 bytes)",
          'openbatch service start --account-key "$(head -c 32 /dev/urandom | base64)"',
        ],
        [
          "job schedules that recur every few seconds (Azure allows one minute at least)",
          "openbatch service start --min-schedule-interval PT2S",
        ],
        [
          "requeue the tasks of a node silent for 30 s (heartbeats every second)",
          "openbatch service start --heartbeat-interval-ms 1000 --node-lost-after PT30S",
        ],
        [
          "nodes on virtual networks share 127.0.0.1 instead of getting namespaces of their own",
          "openbatch service start --network-isolation loopback",
        ],
        [
          "bring your own machines: agents you start register for the nodes listed in <data-dir>/external/<pool>.json",
          "openbatch service start --provisioner external --data-dir /srv/openbatch",
        ],
        [
          "then, for each node N of pool P in that file (serviceUrl and joinToken come from it too)",
          'OPENBATCH_JOIN_TOKEN="$TOKEN" node dist/agent/main.js --service-url "$URL" --pool-id P --node-id N --root /var/openbatch/N',
        ],
        [
          "pools on Azure: pool P is the scale set openbatch-P of resource group batch-rg (managed identity on this host)",
          "openbatch service start --host 0.0.0.0 --provisioner azure --azure-subscription-id $SUB --azure-resource-group batch-rg",
        ],
        [
          "pools on AWS: pool P is the Auto Scaling group batch-P in eu-west-1 (instance profile on this host)",
          "openbatch service start --host 0.0.0.0 --provisioner aws --aws-region eu-west-1 --auto-scaling-group-prefix batch-",
        ],
      ),
    )
    .action(async (options: StartOptions, command: Command) => {
      const globals = globalOptions(command);
      const accountKey = globals.accountKey || context.env.OPENBATCH_ACCOUNT_KEY || undefined;
      const dataDir = expandHome(options.dataDir);
      const cloud = cloudProvisionerConfig(options.provisioner, options, context.env);
      let running: RunningService;
      try {
        running = await context.startService({
          host: options.host,
          port: options.port,
          dataDir,
          accountName: globals.accountName || context.env.OPENBATCH_ACCOUNT_NAME || "local",
          accountKey,
          provisioner: options.provisioner,
          networkIsolation: options.networkIsolation,
          ...cloud,
          heartbeatIntervalMs: options.heartbeatIntervalMs,
          nodeLostAfterMs: options.nodeLostAfter,
          minFreeDiskBytes:
            options.minFreeDiskMib === undefined ? undefined : options.minFreeDiskMib * 1024 ** 2,
          minimumScheduleInterval: options.minScheduleInterval,
        });
      } catch (error) {
        throw new CommandError("ServiceNotStarted", startFailure(error, options));
      }
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
          ...(accountKey ? [] : [`  account key:  ${running.accountKey}  (kept in ${dataDir})`]),
          `Credentials saved to ${savedTo}; openbatch commands use them from there. For other shells and SDKs:`,
          `  export OPENBATCH_ENDPOINT=${running.endpoint} OPENBATCH_ACCOUNT_NAME=${running.accountName} OPENBATCH_ACCOUNT_KEY=${running.accountKey}`,
          "Press Ctrl+C to stop.",
          "",
        ].join("\n"),
      );
      const received = await context.untilShutdown();
      context.stderr(`${received}: stopping the service...\n`);
      await running.close();
    });

  service
    .command("stop")
    .summary("Stop the service running on a data directory (one started in the background).")
    .description(
      "Stop the account service that runs on --data-dir, as named in <data-dir>/service.json (which " +
        "a running service writes): SIGTERM, then SIGKILL after --grace. Returns once it has exited. " +
        "Its nodes' agents keep running, as after Ctrl+C; delete the pools first to stop them.",
    )
    .option("--data-dir <dir>", "the data directory the service was started with", DEFAULT_DATA_DIR)
    .option(
      "--grace <duration>",
      "how long to wait after SIGTERM before SIGKILL (e.g. 10s)",
      durationMs,
      10_000,
    )
    .addHelpText(
      "after",
      examples(
        ["stop the default account's service", "openbatch service stop"],
        [
          "one started by the Pulumi Account resource",
          "openbatch service stop --data-dir ~/.openbatch/pulumi/proj-dev-acct",
        ],
      ),
    )
    .action(async (options: { dataDir: string; grace: number }) => {
      await stopDaemon(expandHome(options.dataDir), options.grace, context);
    });
}

/** SIGTERM, then SIGKILL once `graceMs` has passed; resolves once the process is gone. */
async function stopDaemon(dataDir: string, graceMs: number, context: CliContext): Promise<void> {
  const running = readServiceFile(dataDir);
  if (!running || !isAlive(running.pid)) {
    if (running) removeServiceFile(dataDir, running.pid);
    context.stdout(`No service is running on ${dataDir}.\n`);
    return;
  }
  signal(running.pid, "SIGTERM");
  if (!(await waitForExit(running.pid, graceMs))) {
    context.stderr(`The service (pid ${running.pid}) did not stop within ${graceMs} ms; killing it.\n`);
    signal(running.pid, "SIGKILL");
    if (!(await waitForExit(running.pid, 5_000)))
      throw new CommandError("ServiceNotStopped", `pid ${running.pid} outlived SIGKILL; stop it by hand.`);
  }
  removeServiceFile(dataDir, running.pid);
  context.stdout(`Stopped the service on ${dataDir} (pid ${running.pid}, ${running.endpoint}).\n`);
}

function heartbeatInterval(value: string): number {
  const ms = positiveInteger(value);
  if (ms < 100) throw new InvalidArgumentError("expected at least 100 (milliseconds).");
  return ms;
}

/** `--node-lost-after PT5M`: an ISO 8601 duration, in milliseconds. */
function isoDuration(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0)
    throw new InvalidArgumentError("expected a positive ISO 8601 duration such as PT5M or PT30S.");
  return ms;
}

/** Why the service did not start, with what to do: the listen errors people hit get a hint. */
function startFailure(error: unknown, options: StartOptions): string {
  const code = (error as NodeJS.ErrnoException).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === "EADDRINUSE") {
    return (
      `port ${options.port} on ${options.host} is already in use (is another service running?). ` +
      "Stop it, or choose another --port (0 picks a free one)."
    );
  }
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND") {
    return `cannot listen on --host ${options.host}: ${message}. Use an address of this machine, e.g. 127.0.0.1 or 0.0.0.0.`;
  }
  if (code === "EACCES") return `${message}. Choose a --port above 1023, or one this user may bind.`;
  return message;
}

function expandHome(path: string): string {
  if (path === "~") return homedir();
  if (path.startsWith("~/")) return join(homedir(), path.slice(2));
  return resolve(path);
}
