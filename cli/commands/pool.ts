import { type Command, Option } from "commander";
import { collect } from "../../client/paging.js";
import type { ApplicationPackageReference } from "../../protocol/rest/application.js";
import type {
  PoolAddParameter,
  PoolResizeParameter,
  PoolUpdatePropertiesParameter,
  StartTask,
} from "../../protocol/rest/pool.js";
import { nodeDeallocationOptions, nodeFillTypes } from "../../protocol/states.js";
import {
  applicationPackageReference,
  definedOnly,
  nonNegativeInteger,
  positiveInteger,
  readJsonBody,
  readJsonObject,
} from "../arguments.js";
import { poolColumns, poolJoinColumns } from "../columns.js";
import { type CliContext, clientFor, globalOptions } from "../context.js";
import { UsageError } from "../errors.js";
import { examples } from "../examples.js";
import { printJson, printList, printMessage, printRecord } from "../output.js";
import { registerPoolAutoscaleCommands } from "./poolAutoscale.js";
import { registerPoolStatisticsCommand } from "./statistics.js";

interface CreateOptions {
  vmSize?: string;
  targetDedicatedNodes?: number;
  taskSlotsPerNode?: number;
  nodeFillType?: NonNullable<PoolAddParameter["taskSchedulingPolicy"]>["nodeFillType"];
  startTask?: string;
  startTaskWaitForSuccess?: boolean;
  applicationPackage?: ApplicationPackageReference[];
  certificate?: string[];
  subnetId?: string;
  jsonFile?: string;
}

const DELETE_POLL_MS = 500;

function poolFromFile(id: string | undefined, options: CreateOptions): PoolAddParameter {
  return readJsonBody(options.jsonFile!, id, "pool", {
    "--vm-size": options.vmSize,
    "--target-dedicated-nodes": options.targetDedicatedNodes,
    "--task-slots-per-node": options.taskSlotsPerNode,
    "--node-fill-type": options.nodeFillType,
    "--start-task": options.startTask,
    "--start-task-wait-for-success": options.startTaskWaitForSuccess,
    "--application-package": options.applicationPackage,
    "--certificate": options.certificate,
    "--subnet-id": options.subnetId,
  }) as PoolAddParameter;
}

function poolFromFlags(id: string | undefined, options: CreateOptions): PoolAddParameter {
  if (!id) throw new UsageError("give the pool id (or a --json-file with the whole body)");
  if (!options.vmSize) throw new UsageError("--vm-size <size> is required (or give a --json-file)");
  if (options.startTaskWaitForSuccess && options.startTask === undefined)
    throw new UsageError("--start-task-wait-for-success needs --start-task <cmd>");
  return definedOnly<PoolAddParameter>({
    id,
    vmSize: options.vmSize,
    targetDedicatedNodes: options.targetDedicatedNodes,
    taskSlotsPerNode: options.taskSlotsPerNode,
    taskSchedulingPolicy: options.nodeFillType ? { nodeFillType: options.nodeFillType } : undefined,
    startTask:
      options.startTask === undefined
        ? undefined
        : definedOnly<StartTask>({
            commandLine: options.startTask,
            waitForSuccess: options.startTaskWaitForSuccess,
          }),
    applicationPackageReferences: options.applicationPackage,
    certificateReferences: options.certificate?.map((thumbprint) => ({
      thumbprint,
      thumbprintAlgorithm: "sha1",
    })),
    networkConfiguration: options.subnetId === undefined ? undefined : { subnetId: options.subnetId },
  });
}

export function registerPoolCommands(program: Command, context: CliContext): void {
  const pool = program
    .command("pool")
    .description("Pools: the compute nodes (VMs; agent processes on a local account) that run tasks.")
    .addHelpText(
      "after",
      examples(
        ["two nodes", "openbatch pool create p1 --vm-size standard_d2s_v3 --target-dedicated-nodes 2"],
        ["wait until allocationState is steady and the nodes are idle", "openbatch pool show p1"],
        ["grow it", "openbatch pool resize p1 --target-dedicated-nodes 4"],
        ["release its nodes", "openbatch pool delete p1 --wait"],
      ),
    );
  registerPoolAutoscaleCommands(pool, context);
  registerPoolStatisticsCommand(pool, context);

  pool
    .command("create")
    .summary("Create a pool (POST /pools); its nodes are allocated in the background.")
    .description(
      "Create a pool (POST /pools). Nodes are allocated in the background up to the target; " +
        "follow with `openbatch pool show <id>` until allocationState is steady, and " +
        "`openbatch node list <id>` until the nodes are idle. On a local account every node is an agent " +
        "process on this machine and --vm-size is only recorded. Anything the flags do not cover " +
        "(metadata, start task environment, certificate visibility, ...) needs --json-file: the whole body as Azure's " +
        "PoolAddParameter, as with `az batch pool create --json-file`.",
    )
    .argument("[id]", "pool id: letters, digits, - and _, up to 64 characters (or id in --json-file)")
    .option("--vm-size <size>", "VM size of every node, e.g. standard_d2s_v3 (required without --json-file)")
    .option("--target-dedicated-nodes <n>", "how many dedicated nodes to allocate", nonNegativeInteger)
    .option("--task-slots-per-node <n>", "how many task slots each node offers (default 1)", positiveInteger)
    .addOption(
      new Option("--node-fill-type <type>", "fill nodes one task at a time (spread) or fully (pack)").choices(
        nodeFillTypes,
      ),
    )
    .option(
      "--start-task <cmd>",
      "command line every node runs when it joins the pool (no shell: write /bin/sh -c '...')",
    )
    .option("--start-task-wait-for-success", "keep a node out of scheduling until its start task succeeds")
    .option(
      "--application-package <app[:version]>",
      "an application package every node installs when it joins (without :version, the default); repeatable",
      applicationPackageReference,
    )
    .option(
      "--certificate <thumbprint>",
      "a certificate of the account (sha1 thumbprint) every node installs in $AZ_BATCH_CERTIFICATES_DIR before any task; repeatable",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option(
      "--subnet-id <id>",
      "networkConfiguration.subnetId: a local virtual network's subnetId " +
        "(/openbatch/virtualNetworks/<name>/subnets/default, see openbatch network show) gives every " +
        "node its own address on that network; any other value is recorded as given",
    )
    .option(
      "--json-file <path>",
      "the whole request body, a PoolAddParameter (docs/reference/pools.md); not combined with the flags above",
    )
    .addHelpText(
      "after",
      examples(
        [
          "two nodes with 4 task slots each, filled one node at a time",
          "openbatch pool create p1 --vm-size standard_d2s_v3 --target-dedicated-nodes 2 --task-slots-per-node 4 --node-fill-type pack",
        ],
        [
          "nodes that get tasks only once their start task has succeeded",
          "openbatch pool create p2 --vm-size standard_d2s_v3 --target-dedicated-nodes 1 --start-task \"/bin/sh -c 'echo ready > \\$AZ_BATCH_NODE_SHARED_DIR/ready'\" --start-task-wait-for-success",
        ],
        [
          "nodes with the default version of application blender installed ($AZ_BATCH_APP_PACKAGE_blender)",
          "openbatch pool create p6 --vm-size standard_d2s_v3 --target-dedicated-nodes 2 --application-package blender",
        ],
        [
          "nodes that install two certificates of the account before running anything",
          "openbatch pool create p4 --vm-size standard_d2s_v3 --target-dedicated-nodes 2 --certificate 681ee4631d43fc37fe7dfa4754a2a8ff8db84001 --certificate 0a0e4f50d51beadeac1d35afc5116098e7902e6e",
        ],
        [
          "two nodes on the local virtual network vnet1 (openbatch network create vnet1 --address-prefix 10.88.0.0/24)",
          "openbatch pool create p5 --vm-size standard_d2s_v3 --target-dedicated-nodes 2 --subnet-id /openbatch/virtualNetworks/vnet1/subnets/default",
        ],
        [
          'a full PoolAddParameter from a file: {"id":"p3","vmSize":"standard_d2s_v3","targetDedicatedNodes":2,...}',
          "openbatch pool create --json-file pool.json",
        ],
      ),
    )
    .action(async (id: string | undefined, options: CreateOptions, command: Command) => {
      const body = options.jsonFile ? poolFromFile(id, options) : poolFromFlags(id, options);
      const client = clientFor(command, context);
      await client.pools.add(body);
      const { output } = globalOptions(command);
      if (output === "json") printJson(context, await client.pools.get(body.id));
      printMessage(
        context,
        output,
        `Pool ${body.id} created; nodes are being allocated. Watch: openbatch pool show ${body.id}`,
      );
    });

  pool
    .command("list")
    .description("List the account's pools (GET /pools), following every page.")
    .option("--filter <odata>", "OData $filter, e.g. \"state eq 'active'\"")
    .addHelpText(
      "after",
      examples(
        ["every pool", "openbatch pool list"],
        [
          "the pools that are still resizing",
          "openbatch pool list --filter \"allocationState eq 'resizing'\"",
        ],
        ["as Azure CloudPool objects", "openbatch pool list -o json"],
      ),
    )
    .action(async (options: { filter?: string }, command: Command) => {
      const pools = await collect(clientFor(command, context).pools.list({ filter: options.filter }));
      printList(context, globalOptions(command).output, pools, poolColumns, "No pools.");
    });

  pool
    .command("show")
    .description("Show a pool (GET /pools/{id}): state, allocation state, current/target nodes.")
    .argument("<id>", "pool id")
    .addHelpText(
      "after",
      examples(
        ["state, allocation state, current/target nodes", "openbatch pool show p1"],
        ["the whole CloudPool", "openbatch pool show p1 -o json"],
      ),
    )
    .action(async (id: string, _options: unknown, command: Command) => {
      printRecord(
        context,
        globalOptions(command).output,
        await clientFor(command, context).pools.get(id),
        poolColumns,
      );
    });

  pool
    .command("join-info")
    .description(
      "Show what a machine needs to join a pool as a node (GET /openbatch/pools/{id}/join, an OpenBatch " +
        "extension): the agents' URL, the agent bundle's URL and the pool's join token (a secret).",
    )
    .argument("<id>", "pool id")
    .addHelpText(
      "after",
      examples(
        ["the URLs and the token", "openbatch pool join-info p1"],
        [
          "start an agent of the bundle on a machine of your own, as a cloud VM's boot script does",
          'OPENBATCH_JOIN_TOKEN=$(openbatch pool join-info p1 -o json | jq -r .joinToken) bin/openbatch-agent --service-url "$URL" --pool-id p1 --machine-id "$(hostname)" --root /mnt/openbatch',
        ],
      ),
    )
    .action(async (id: string, _options: unknown, command: Command) => {
      printRecord(
        context,
        globalOptions(command).output,
        await clientFor(command, context).pools.getJoinInfo(id),
        poolJoinColumns,
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
      new Option(
        "--node-deallocation-option <option>",
        "when shrinking, what happens to tasks running on removed nodes: requeue them (default), " +
          "terminate them, or let them finish first (taskcompletion; retaineddata behaves the same here)",
      ).choices(nodeDeallocationOptions),
    )
    .addHelpText(
      "after",
      examples(
        ["grow to 4 nodes", "openbatch pool resize p1 --target-dedicated-nodes 4"],
        [
          "shrink to 1 node, letting running tasks finish first",
          "openbatch pool resize p1 --target-dedicated-nodes 1 --node-deallocation-option taskcompletion",
        ],
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
          `Pool ${id} is resizing to ${options.targetDedicatedNodes} node${options.targetDedicatedNodes === 1 ? "" : "s"}.`,
        );
      },
    );

  pool
    .command("update-properties")
    .description(
      "Replace a pool's start task and metadata (POST /pools/{id}/updateproperties): a start task absent " +
        "from the file is removed, and nodes run the new one when they next join or reboot.",
    )
    .argument("<id>", "pool id")
    .requiredOption(
      "--json-file <path>",
      'a PoolUpdatePropertiesParameter: {"startTask":{...},"metadata":[{"name":"n","value":"v"}]} (metadata required)',
    )
    .addHelpText(
      "after",
      examples(
        ["replace the start task and metadata", "openbatch pool update-properties p1 --json-file props.json"],
        [
          'remove the start task and every metadata item: props.json holds {"metadata":[]}',
          "openbatch pool update-properties p1 --json-file props.json",
        ],
      ),
    )
    .action(async (id: string, options: { jsonFile: string }, command: Command) => {
      const body = readJsonObject(options.jsonFile) as PoolUpdatePropertiesParameter;
      await clientFor(command, context).pools.updateProperties(id, body);
      printMessage(context, globalOptions(command).output, `Pool ${id}'s start task and metadata replaced.`);
    });

  pool
    .command("stop-resize")
    .description("Stop a pool's resize (POST /pools/{id}/stopresize), keeping the nodes allocated so far.")
    .argument("<id>", "pool id")
    .addHelpText("after", examples(["keep the nodes allocated so far", "openbatch pool stop-resize p1"]))
    .action(async (id: string, _options: unknown, command: Command) => {
      await clientFor(command, context).pools.stopResize(id);
      printMessage(context, globalOptions(command).output, `Pool ${id} is stopping its resize.`);
    });

  pool
    .command("delete")
    .description("Delete a pool (DELETE /pools/{id}): its nodes are released and running tasks are stopped.")
    .argument("<id>", "pool id")
    .option("--wait", "return only once the pool is gone")
    .addHelpText(
      "after",
      examples(
        ["start the deletion and return", "openbatch pool delete p1"],
        ["return once the nodes are released and the pool is gone", "openbatch pool delete p1 --wait"],
      ),
    )
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
