import { type Command, Option } from "commander";
import { collect } from "../../client/paging.js";
import {
  type NodeDisableSchedulingOption,
  type NodeRebootOption,
  nodeDisableSchedulingOptions,
  nodeRebootOptions,
} from "../../protocol/rest/node.js";
import { type NodeDeallocationOption, nodeDeallocationOptions } from "../../protocol/states.js";
import { type NodeCountsRow, nodeColumns, nodeCountsColumns } from "../columns.js";
import { type CliContext, clientFor, globalOptions } from "../context.js";
import { examples } from "../examples.js";
import { printJson, printList, printMessage, printRecord } from "../output.js";

export function registerNodeCommands(program: Command, context: CliContext): void {
  const node = program
    .command("node")
    .description("Compute nodes: the machines of a pool, each running the node agent.")
    .addHelpText(
      "after",
      examples(
        ["a pool's nodes: state, IP address, running tasks", "openbatch node list p1"],
        ["one node, as an Azure ComputeNode", "openbatch node show p1 tvmps_000001_d -o json"],
        [
          "take a node out of scheduling, letting its tasks finish",
          "openbatch node disable-scheduling p1 tvmps_000001_d --option taskcompletion",
        ],
        [
          "remove two specific nodes from their pool",
          "openbatch node remove p1 tvmps_000001_d tvmps_000002_d",
        ],
      ),
    );

  node
    .command("list")
    .description(
      "List a pool's compute nodes (GET /pools/{poolId}/nodes) with their state and running tasks.",
    )
    .argument("<poolId>", "pool id")
    .option("--filter <odata>", "OData $filter, e.g. \"state eq 'idle'\"")
    .addHelpText(
      "after",
      examples(
        ["every node of pool p1", "openbatch node list p1"],
        ["only the nodes that are running tasks", "openbatch node list p1 --filter \"state eq 'running'\""],
      ),
    )
    .action(async (poolId: string, options: { filter?: string }, command: Command) => {
      const nodes = await collect(clientFor(command, context).nodes.list(poolId, { filter: options.filter }));
      printList(context, globalOptions(command).output, nodes, nodeColumns, `No nodes in pool ${poolId}.`);
    });

  node
    .command("show")
    .description("Show one compute node (GET /pools/{poolId}/nodes/{nodeId}).")
    .argument("<poolId>", "pool id")
    .argument("<nodeId>", "node id, as `node list` shows it")
    .addHelpText(
      "after",
      examples(
        ["state, scheduling state, IP address", "openbatch node show p1 tvmps_000001_d"],
        [
          "everything, e.g. its start task's exit code and its errors",
          "openbatch node show p1 tvmps_000001_d -o json",
        ],
      ),
    )
    .action(async (poolId: string, nodeId: string, _options: unknown, command: Command) => {
      const computeNode = await clientFor(command, context).nodes.get(poolId, nodeId);
      printRecord(context, globalOptions(command).output, computeNode, nodeColumns);
    });

  const restarts = [
    {
      name: "reboot",
      description:
        "Reboot a compute node (POST /pools/{poolId}/nodes/{nodeId}/reboot): its agent restarts, the start task runs again.",
      progress: "rebooting",
    },
    {
      name: "reimage",
      description:
        "Reimage a compute node (POST /pools/{poolId}/nodes/{nodeId}/reimage): as a reboot, but its directories are wiped.",
      progress: "reimaging",
    },
  ] as const;
  for (const { name, description, progress } of restarts) {
    node
      .command(name)
      .description(description)
      .argument("<poolId>", "pool id")
      .argument("<nodeId>", "node id, as `node list` shows it")
      .addOption(
        new Option("--option <option>", "what happens to its running tasks")
          .choices([...nodeRebootOptions])
          .default("requeue"),
      )
      .addHelpText(
        "after",
        examples(
          [`${name} a node, its running tasks queued again`, `openbatch node ${name} p1 tvmps_000001_d`],
          ["let its tasks finish first", `openbatch node ${name} p1 tvmps_000001_d --option taskcompletion`],
        ),
      )
      .action(
        async (poolId: string, nodeId: string, options: { option: NodeRebootOption }, command: Command) => {
          await clientFor(command, context).nodes[name](poolId, nodeId, options.option);
          printMessage(
            context,
            globalOptions(command).output,
            `Node ${nodeId} is ${progress} (${options.option}).`,
          );
        },
      );
  }

  node
    .command("preempt")
    .description(
      "Preempt a low-priority node of a local pool, as Azure preempts Spot VMs (POST /openbatch/pools/{poolId}/nodes/{nodeId}/preempt, " +
        "an OpenBatch extension): its running tasks are queued again (no retry counted), its agent stops, it is " +
        "'preempted' and still counted in the pool, and it comes back on a fresh machine after the service's " +
        "--preempted-node-restore time.",
    )
    .argument("<poolId>", "pool id")
    .argument("<nodeId>", "a low-priority node's id (tvmps_..._p), as `node list` shows it")
    .addHelpText(
      "after",
      examples(
        ["preempt a low-priority node", "openbatch node preempt p1 tvmps_000003_p"],
        ["watch it go and come back", "openbatch node counts p1"],
      ),
    )
    .action(async (poolId: string, nodeId: string, _options: unknown, command: Command) => {
      await clientFor(command, context).nodes.preempt(poolId, nodeId);
      printMessage(
        context,
        globalOptions(command).output,
        `Node ${nodeId} is preempted; its running tasks are queued again.`,
      );
    });

  node
    .command("upload-logs")
    .description(
      "Have a node's agent upload its own log files (POST /pools/{poolId}/nodes/{nodeId}/uploadbatchservicelogs): " +
        "every file with entries between --start-time and --end-time goes, whole, to the container under a " +
        "virtual directory <pool>/<node>/<unique id>/. Without --container-url they go to the container " +
        "batch-service-logs of the account's file store (openbatch storage list batch-service-logs).",
    )
    .argument("<poolId>", "pool id")
    .argument("<nodeId>", "node id, as `node list` shows it")
    .requiredOption("--start-time <time>", "ISO 8601 date-time: files with entries from then on")
    .option("--end-time <time>", "ISO 8601 date-time: files with entries up to then (default now)")
    .option(
      "--container-url <url>",
      "a blob container URL whose SAS token grants write (default: the account's own file store)",
    )
    .addHelpText(
      "after",
      examples(
        [
          "the logs of the last day, into the account's file store",
          "openbatch node upload-logs p1 tvmps_000001_d --start-time $(date -u -d '1 day ago' +%FT%TZ)",
        ],
        [
          "into a container of yours",
          'openbatch node upload-logs p1 tvmps_000001_d --start-time 2026-11-24T00:00:00Z --container-url "https://acct.blob.core.windows.net/logs?sv=...&sig=..."',
        ],
        ["then fetch them", "openbatch storage list batch-service-logs"],
      ),
    )
    .action(
      async (
        poolId: string,
        nodeId: string,
        options: { startTime: string; endTime?: string; containerUrl?: string },
        command: Command,
      ) => {
        const result = await clientFor(command, context).nodes.uploadBatchServiceLogs(poolId, nodeId, {
          startTime: options.startTime,
          endTime: options.endTime,
          containerUrl: options.containerUrl,
        });
        const format = globalOptions(command).output;
        if (format === "json") return printJson(context, result);
        printMessage(
          context,
          format,
          `Uploaded ${result.numberOfFilesUploaded} log file(s) of node ${nodeId} to ${result.virtualDirectoryName}`,
        );
      },
    );

  node
    .command("disable-scheduling")
    .description(
      "Stop giving a node new tasks (POST /pools/{poolId}/nodes/{nodeId}/disablescheduling); it is offline once none runs.",
    )
    .argument("<poolId>", "pool id")
    .argument("<nodeId>", "node id, as `node list` shows it")
    .addOption(
      new Option("--option <option>", "what happens to its running tasks")
        .choices([...nodeDisableSchedulingOptions])
        .default("requeue"),
    )
    .addHelpText(
      "after",
      examples(
        [
          "stop scheduling, its running tasks queued again elsewhere",
          "openbatch node disable-scheduling p1 tvmps_000001_d",
        ],
        [
          "let its running tasks finish",
          "openbatch node disable-scheduling p1 tvmps_000001_d --option taskcompletion",
        ],
        [
          "end its running tasks as failed",
          "openbatch node disable-scheduling p1 tvmps_000001_d --option terminate",
        ],
      ),
    )
    .action(
      async (
        poolId: string,
        nodeId: string,
        options: { option: NodeDisableSchedulingOption },
        command: Command,
      ) => {
        await clientFor(command, context).nodes.disableScheduling(poolId, nodeId, options.option);
        printMessage(
          context,
          globalOptions(command).output,
          `Scheduling on node ${nodeId} is disabled (${options.option}).`,
        );
      },
    );

  node
    .command("enable-scheduling")
    .description("Let a node take tasks again (POST /pools/{poolId}/nodes/{nodeId}/enablescheduling).")
    .argument("<poolId>", "pool id")
    .argument("<nodeId>", "node id, as `node list` shows it")
    .addHelpText(
      "after",
      examples(["take tasks again", "openbatch node enable-scheduling p1 tvmps_000001_d"]),
    )
    .action(async (poolId: string, nodeId: string, _options: unknown, command: Command) => {
      await clientFor(command, context).nodes.enableScheduling(poolId, nodeId);
      printMessage(context, globalOptions(command).output, `Scheduling on node ${nodeId} is enabled.`);
    });

  node
    .command("remove")
    .description(
      "Remove specific nodes from their pool (POST /pools/{poolId}/removenodes): the pool's target drops by as many.",
    )
    .argument("<poolId>", "pool id")
    .argument("<nodeIds...>", "node ids, as `node list` shows them (up to 100)")
    .addOption(
      new Option("--node-deallocation-option <option>", "what happens to their running tasks")
        .choices([...nodeDeallocationOptions])
        .default("requeue"),
    )
    .option("--resize-timeout <duration>", "ISO 8601 duration the removal may take, e.g. PT15M")
    .addHelpText(
      "after",
      examples(
        ["remove a node, its running tasks queued again", "openbatch node remove p1 tvmps_000003_d"],
        [
          "remove two nodes once their tasks have finished",
          "openbatch node remove p1 tvmps_000003_d tvmps_000004_d --node-deallocation-option taskcompletion",
        ],
      ),
    )
    .action(
      async (
        poolId: string,
        nodeIds: string[],
        options: { nodeDeallocationOption: NodeDeallocationOption; resizeTimeout?: string },
        command: Command,
      ) => {
        await clientFor(command, context).nodes.remove(poolId, {
          nodeList: nodeIds,
          nodeDeallocationOption: options.nodeDeallocationOption,
          resizeTimeout: options.resizeTimeout,
        });
        printMessage(
          context,
          globalOptions(command).output,
          `Removing ${nodeIds.length} node(s) from pool ${poolId} (${options.nodeDeallocationOption}).`,
        );
      },
    );

  node
    .command("counts")
    .description(
      "Count the account's nodes by state, per pool, dedicated and low-priority apart (GET /nodecounts).",
    )
    .argument("[poolId]", "only this pool")
    .addHelpText(
      "after",
      examples(
        ["every pool's nodes by state", "openbatch node counts"],
        ["one pool's, as Azure's PoolNodeCounts", "openbatch node counts p1 -o json"],
      ),
    )
    .action(async (poolId: string | undefined, _options: unknown, command: Command) => {
      const filter = poolId === undefined ? undefined : `poolId eq '${poolId.replaceAll("'", "''")}'`;
      const counts = await collect(clientFor(command, context).nodes.listCounts({ filter }));
      const format = globalOptions(command).output;
      if (format === "json") return printJson(context, counts);
      const rows = counts.flatMap((c): NodeCountsRow[] => [
        { poolId: c.poolId, kind: "dedicated", counts: c.dedicated },
        { poolId: c.poolId, kind: "lowPriority", counts: c.lowPriority },
      ]);
      printList(context, format, rows, nodeCountsColumns, poolId ? `No pool ${poolId}.` : "No pools.");
    });
}
