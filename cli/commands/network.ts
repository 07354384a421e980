import type { Command } from "commander";
import { virtualNetworkColumns } from "../columns.js";
import { type CliContext, clientFor, globalOptions } from "../context.js";
import { examples } from "../examples.js";
import { printJson, printList, printMessage, printRecord } from "../output.js";

/** `openbatch network`: local virtual networks (OpenBatch extension, /openbatch/virtualNetworks). */
export function registerNetworkCommands(program: Command, context: CliContext): void {
  const network = program
    .command("network")
    .description(
      "Local virtual networks (OpenBatch extension): named private subnets. A pool created with a " +
        "network's subnetId (pool create --subnet-id) gives each node its own network namespace and " +
        "address on it, where the host allows (root and ip netns); otherwise the nodes share 127.0.0.1 " +
        "and the network says why (isolation loopback).",
    )
    .addHelpText(
      "after",
      examples(
        ["a network", "openbatch network create vnet1 --address-prefix 10.88.0.0/24"],
        [
          "a pool on it",
          "openbatch pool create p1 --vm-size small --target-dedicated-nodes 2 --subnet-id /openbatch/virtualNetworks/vnet1/subnets/default",
        ],
        ["the nodes' addresses", "openbatch node list p1"],
      ),
    );

  network
    .command("create")
    .summary("Create a network (PUT /openbatch/virtualNetworks/{name}), or change its subnet.")
    .description(
      "Create a local virtual network (PUT /openbatch/virtualNetworks/{name}). --address-prefix is a " +
        "private IPv4 subnet (10/8, 172.16/12, 192.168/16) with a prefix length from /16 to /29 that " +
        "overlaps no other network. Its first address is the gateway (the service, as nodes reach it); " +
        "nodes take the next ones. Run again with another prefix to change it while no pool uses it. " +
        "Prints the subnetId to give pools.",
    )
    .argument("<name>", "network name: letters, digits, - and _, up to 64 characters")
    .requiredOption("--address-prefix <cidr>", "the subnet, e.g. 10.88.0.0/24")
    .addHelpText(
      "after",
      examples(
        [
          "254 addresses: the gateway and 253 nodes",
          "openbatch network create vnet1 --address-prefix 10.88.0.0/24",
        ],
        [
          "as JSON (subnetId, isolation)",
          "openbatch network create vnet2 --address-prefix 192.168.50.0/28 -o json",
        ],
      ),
    )
    .action(async (name: string, options: { addressPrefix: string }, command: Command) => {
      const created = await clientFor(command, context).virtualNetworks.put(name, {
        addressPrefix: options.addressPrefix,
      });
      const { output } = globalOptions(command);
      if (output === "json") printJson(context, created);
      const loopback =
        created.isolation === "loopback"
          ? ` Its nodes will share 127.0.0.1: ${created.isolationReason}.`
          : "";
      printMessage(
        context,
        output,
        `Network ${name} (${created.addressPrefix}) ready.${loopback} Put pools on it: --subnet-id ${created.subnetId}`,
      );
    });

  network
    .command("list")
    .description("List the local virtual networks (GET /openbatch/virtualNetworks).")
    .addHelpText(
      "after",
      examples(
        ["every network, its subnet and the pools on it", "openbatch network list"],
        ["as JSON", "openbatch network list -o json"],
      ),
    )
    .action(async (_options: unknown, command: Command) => {
      const networks = await clientFor(command, context).virtualNetworks.list();
      printList(
        context,
        globalOptions(command).output,
        networks,
        virtualNetworkColumns,
        "No virtual networks.",
      );
    });

  network
    .command("show")
    .description(
      "Show a network (GET /openbatch/virtualNetworks/{name}): subnet, subnetId, gateway, isolation and the pools on it.",
    )
    .argument("<name>", "network name")
    .addHelpText(
      "after",
      examples(
        ["subnet, isolation, pools", "openbatch network show vnet1"],
        ["everything, with the gateway address and why loopback", "openbatch network show vnet1 -o json"],
      ),
    )
    .action(async (name: string, _options: unknown, command: Command) => {
      printRecord(
        context,
        globalOptions(command).output,
        await clientFor(command, context).virtualNetworks.get(name),
        virtualNetworkColumns,
      );
    });

  network
    .command("delete")
    .description(
      "Delete a network (DELETE /openbatch/virtualNetworks/{name}); refused (VirtualNetworkInUse) while a pool uses it.",
    )
    .argument("<name>", "network name")
    .addHelpText(
      "after",
      examples(
        ["delete a network no pool uses", "openbatch network delete vnet1"],
        ["delete the pools on it first", "openbatch pool delete p1 --wait && openbatch network delete vnet1"],
      ),
    )
    .action(async (name: string, _options: unknown, command: Command) => {
      await clientFor(command, context).virtualNetworks.delete(name);
      printMessage(context, globalOptions(command).output, `Network ${name} deleted.`);
    });
}
