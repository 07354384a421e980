import { type Command, Option } from "commander";
import { collect } from "../../client/paging.js";
import { type NodeRebootOption, nodeRebootOptions } from "../../protocol/rest/node.js";
import { nodeColumns } from "../columns.js";
import { type CliContext, clientFor, globalOptions } from "../context.js";
import { examples } from "../examples.js";
import { printList, printMessage, printRecord } from "../output.js";

export function registerNodeCommands(program: Command, context: CliContext): void {
  const node = program
    .command("node")
    .description("Compute nodes: the machines of a pool, each running the node agent.")
    .addHelpText(
      "after",
      examples(
        ["a pool's nodes: state, IP address, running tasks", "openbatch node list p1"],
        ["one node, as an Azure ComputeNode", "openbatch node show p1 tvmps_000001_d -o json"],
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

  node
    .command("reboot")
    .description(
      "Reboot a compute node (POST /pools/{poolId}/nodes/{nodeId}/reboot): its agent restarts, the start task runs again.",
    )
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
        ["reboot a node, its running tasks queued again", "openbatch node reboot p1 tvmps_000001_d"],
        ["let its tasks finish first", "openbatch node reboot p1 tvmps_000001_d --option taskcompletion"],
      ),
    )
    .action(
      async (poolId: string, nodeId: string, options: { option: NodeRebootOption }, command: Command) => {
        await clientFor(command, context).nodes.reboot(poolId, nodeId, options.option);
        printMessage(
          context,
          globalOptions(command).output,
          `Node ${nodeId} is rebooting (${options.option}).`,
        );
      },
    );
}
