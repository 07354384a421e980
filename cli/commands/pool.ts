import { type Command, Option } from "commander";
import { collect } from "../../client/paging.js";
import type { PoolAddParameter, PoolResizeParameter, StartTask } from "../../protocol/rest/pool.js";
import { nodeDeallocationOptions, nodeFillTypes } from "../../protocol/states.js";
import { nonNegativeInteger, overlay, positiveInteger, readJsonObject } from "../arguments.js";
import { poolColumns } from "../columns.js";
import { type CliContext, clientFor, globalOptions } from "../context.js";
import { UsageError } from "../errors.js";
import { printJson, printList, printMessage, printRecord } from "../output.js";

interface CreateOptions {
  vmSize?: string;
  targetDedicatedNodes?: number;
  taskSlotsPerNode?: number;
  nodeFillType?: NonNullable<PoolAddParameter["taskSchedulingPolicy"]>["nodeFillType"];
  startTask?: string;
  startTaskWaitForSuccess?: boolean;
  jsonFile?: string;
}

const DELETE_POLL_MS = 500;

export function registerPoolCommands(program: Command, context: CliContext): void {
  const pool = program
    .command("pool")
    .description("Pools: the compute nodes (VMs; agent processes on a local account) that run tasks.");

  pool
    .command("create")
    .description(
      "Create a pool (POST /pools). Nodes are allocated in the background up to the target; " +
        "follow with `openbatch pool show <id>` until allocationState is steady.",
    )
    .argument("<id>", "pool id: letters, digits, - and _, up to 64 characters")
    .option(
      "--vm-size <size>",
      "VM size of every node, e.g. standard_d2s_v3 (required unless in --json-file)",
    )
    .option("--target-dedicated-nodes <n>", "how many dedicated nodes to allocate", nonNegativeInteger)
    .option("--task-slots-per-node <n>", "how many task slots each node offers (default 1)", positiveInteger)
    .addOption(
      new Option("--node-fill-type <type>", "fill nodes one task at a time (spread) or fully (pack)").choices(
        nodeFillTypes,
      ),
    )
    .option("--start-task <cmd>", "command line every node runs when it joins the pool")
    .option("--start-task-wait-for-success", "keep a node out of scheduling until its start task succeeds")
    .option("--json-file <path>", "a PoolAddParameter body; the flags above override its properties")
    .action(async (id: string, options: CreateOptions, command: Command) => {
      const base = options.jsonFile ? readJsonObject(options.jsonFile) : {};
      const body = overlay<PoolAddParameter>(base, {
        id,
        vmSize: options.vmSize,
        targetDedicatedNodes: options.targetDedicatedNodes,
        taskSlotsPerNode: options.taskSlotsPerNode,
        taskSchedulingPolicy: options.nodeFillType ? { nodeFillType: options.nodeFillType } : undefined,
      });
      if (!body.vmSize) throw new UsageError("--vm-size <size> is required (or vmSize in --json-file)");
      if (options.startTask !== undefined || options.startTaskWaitForSuccess) {
        body.startTask = overlay<StartTask>(body.startTask ?? {}, {
          commandLine: options.startTask,
          waitForSuccess: options.startTaskWaitForSuccess,
        });
        if (!body.startTask.commandLine)
          throw new UsageError("--start-task-wait-for-success needs --start-task <cmd>");
      }
      const client = clientFor(command, context);
      await client.pools.add(body);
      const { output } = globalOptions(command);
      if (output === "json") printJson(context, await client.pools.get(id));
      printMessage(
        context,
        output,
        `Pool ${id} created; nodes are being allocated. Watch: openbatch pool show ${id}`,
      );
    });

  pool
    .command("list")
    .description("List the account's pools (GET /pools), following every page.")
    .option("--filter <odata>", "OData $filter, e.g. \"state eq 'active'\"")
    .action(async (options: { filter?: string }, command: Command) => {
      const pools = await collect(clientFor(command, context).pools.list({ filter: options.filter }));
      printList(context, globalOptions(command).output, pools, poolColumns, "No pools.");
    });

  pool
    .command("show")
    .description("Show a pool (GET /pools/{id}): state, allocation state, current/target nodes.")
    .argument("<id>", "pool id")
    .action(async (id: string, _options: unknown, command: Command) => {
      printRecord(
        context,
        globalOptions(command).output,
        await clientFor(command, context).pools.get(id),
        poolColumns,
      );
    });

  pool
    .command("resize")
    .description(
      "Change a pool's target node count (POST /pools/{id}/resize); the pool resizes in the background.",
    )
    .argument("<id>", "pool id")
    .requiredOption("--target-dedicated-nodes <n>", "the new number of dedicated nodes", nonNegativeInteger)
    .addOption(
      new Option("--node-deallocation-option <option>", "what happens to tasks on removed nodes").choices(
        nodeDeallocationOptions,
      ),
    )
    .action(
      async (
        id: string,
        options: {
          targetDedicatedNodes: number;
          nodeDeallocationOption?: PoolResizeParameter["nodeDeallocationOption"];
        },
        command: Command,
      ) => {
        const body: PoolResizeParameter = {
          targetDedicatedNodes: options.targetDedicatedNodes,
          nodeDeallocationOption: options.nodeDeallocationOption,
        };
        await clientFor(command, context).pools.resize(id, body);
        printMessage(
          context,
          globalOptions(command).output,
          `Pool ${id} is resizing to ${options.targetDedicatedNodes} nodes.`,
        );
      },
    );

  pool
    .command("stop-resize")
    .description("Stop a pool's resize (POST /pools/{id}/stopresize), keeping the nodes allocated so far.")
    .argument("<id>", "pool id")
    .action(async (id: string, _options: unknown, command: Command) => {
      await clientFor(command, context).pools.stopResize(id);
      printMessage(context, globalOptions(command).output, `Pool ${id} is stopping its resize.`);
    });

  pool
    .command("delete")
    .description("Delete a pool (DELETE /pools/{id}): its nodes are released and running tasks are stopped.")
    .argument("<id>", "pool id")
    .option("--wait", "return only once the pool is gone")
    .action(async (id: string, options: { wait?: boolean }, command: Command) => {
      const client = clientFor(command, context);
      const { output } = globalOptions(command);
      await client.pools.delete(id);
      if (!options.wait) {
        printMessage(context, output, `Pool ${id} is being deleted.`);
        return;
      }
      while (await client.pools.exists(id))
        await new Promise((resolve) => setTimeout(resolve, DELETE_POLL_MS));
      printMessage(context, output, `Pool ${id} deleted.`);
    });
}
