import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
import { parseDuration } from "../../protocol/duration.js";
import { readServiceFile, removeServiceFile, serviceFilesIn } from "../../protocol/serviceFile.js";
import type { NetworkIsolationOption, ProvisionerKind, RunningService } from "../../service/main.js";
import { isAlive, signal, waitForExit } from "../../service/provisioners/processes.js";
import { durationMs, nonNegativeInteger, nonNegativeNumber, positiveInteger } from "../arguments.js";
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
  store?: string;
  preemptionRate?: number;
  preemptionSeed?: number;
  preemptedNodeRestore?: string;
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
        "keeps its state in --data-dir (SQLite) or in PostgreSQL (--store), and once it listens prints its endpoint and credentials " +
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
        "registers with --machine-id. See docs/cloud.md. " +
        "With --store postgres://... the account's state lives in PostgreSQL and the service runs as one " +
        "of its replicas: start several (each on its own port, all on the same --store, --data-dir and " +
        "account key); each serves REST and agents, one at a time leads (schedules, autoscales, starts " +
        "nodes) and another takes over within seconds when it dies. See docs/replicas.md.",
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
        "how local nodes on a virtual network (openbatch network create), and those of pools with " +
          "inter-node communication, are kept apart. auto: each " +
          "node gets its own network namespace and address where the host allows it (root and " +
          "ip netns), loopback otherwise; namespaces: refuse to start without them; loopback: never " +
          "use them, nodes on loopback addresses",
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
      "--store <store>",
      "where the account's records live: sqlite (default: <data-dir>/account.db) or a PostgreSQL URL, " +
        "postgres://user@host:port/database?schema=name (schema default openbatch, created on first " +
        "start). Keep the password out of the URL (ps shows it): set PGPASSWORD instead. " +
        "--data-dir still holds the key, local nodes and the file store. On PostgreSQL the service is " +
        "one replica of the account: start several on the same --store (docs/replicas.md)",
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
    )
    .option(
      "--preemption-rate <n>",
      "preempt local low-priority nodes at random, n per hour on average across the account (a " +
        "Poisson process; default 0: only on command, `openbatch node preempt`). Their running tasks " +
        "are queued again, and each node comes back after --preempted-node-restore",
      nonNegativeNumber,
    )
    .option(
      "--preemption-seed <n>",
      "seed of the random preemptions' times and nodes, so a run can be repeated (default 1)",
      nonNegativeInteger,
    )
    .option(
      "--preempted-node-restore <duration>",
      "how long a preempted node stays 'preempted' before its machine comes back, fresh, under the " +
        "same node id, as an ISO 8601 duration (default PT1M)",
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
          "records in PostgreSQL (schema acct1 of database batch) instead of SQLite",
          "PGPASSWORD=... openbatch service start --store 'postgres://openbatch@db.internal:5432/batch?schema=acct1'",
        ],
        [
          "low-priority nodes preempted about 6 times an hour, each back 30 s later, the same way every run",
          "openbatch service start --preemption-rate 6 --preemption-seed 42 --preempted-node-restore PT30S",
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
          "two replicas of one account on PostgreSQL (same data dir and key): either serves, one leads",
          'openbatch service start --port 8765 --store postgres://batch@127.0.0.1:5432/batch --account-key "$KEY" &\n' +
            '  openbatch service start --port 8766 --store postgres://batch@127.0.0.1:5432/batch --account-key "$KEY" &',
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
      const preemption = {
        ratePerHour: options.preemptionRate,
        seed: options.preemptionSeed,
        restoreAfter: options.preemptedNodeRestore,
      };
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
          store: options.store,
          preemption: given(preemption),
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
        "Replicas on PostgreSQL sharing the data directory name themselves in service-<port>.json: all " +
        "of them are stopped, or only the one on --port. " +
        "Its nodes' agents keep running, as after Ctrl+C; delete the pools first to stop them.",
    )
    .option("--data-dir <dir>", "the data directory the service was started with", DEFAULT_DATA_DIR)
    .option("--port <port>", "only the replica listening on this port", positiveInteger)
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
        [
          "one replica of several on /srv/openbatch",
          "openbatch service stop --data-dir /srv/openbatch --port 8766",
        ],
      ),
    )
    .action(async (options: { dataDir: string; port?: number; grace: number }) => {
      const dataDir = expandHome(options.dataDir);
      const files = serviceFilesIn(dataDir).filter(
        (name) =>
          options.port === undefined ||
          new URL(readServiceFile(dataDir, name)?.endpoint ?? "http://x").port === String(options.port),
      );
      if (files.length === 0) {
        const which = options.port === undefined ? "" : ` on port ${options.port}`;
        context.stdout(`No service is running on ${dataDir}${which}.\n`);
        return;
      }
      // Replicas stop one after another: each but the last hands leadership on as it goes.
      for (const name of files) await stopDaemon(dataDir, name, options.grace, context);
    });
}

/** SIGTERM, then SIGKILL once `graceMs` has passed; resolves once the process is gone. */
async function stopDaemon(
  dataDir: string,
  name: string,
  graceMs: number,
  context: CliContext,
): Promise<void> {
  const running = readServiceFile(dataDir, name);
  if (!running || !isAlive(running.pid)) {
    if (running) removeServiceFile(dataDir, running.pid, name);
    context.stdout(`No service is running on ${dataDir}${running ? ` (${running.endpoint})` : ""}.\n`);
    return;
  }
  signal(running.pid, "SIGTERM");
  if (!(await waitForExit(running.pid, graceMs))) {
    context.stderr(`The service (pid ${running.pid}) did not stop within ${graceMs} ms; killing it.\n`);
    signal(running.pid, "SIGKILL");
    if (!(await waitForExit(running.pid, 5_000)))
      throw new CommandError("ServiceNotStopped", `pid ${running.pid} outlived SIGKILL; stop it by hand.`);
  }
  removeServiceFile(dataDir, running.pid, name);
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

/** Options whose flags were all left out are left out too (the service's defaults apply). */
function given<T extends object>(options: T): T | undefined {
  return Object.values(options).some((value) => value !== undefined) ? options : undefined;
}
