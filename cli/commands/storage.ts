import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { collect } from "../../client/paging.js";
import type { BlobItem } from "../../protocol/blobList.js";
import { containerNameProblem } from "../../protocol/storagePaths.js";
import { type CliContext, clientFor, globalOptions } from "../context.js";
import { UsageError } from "../errors.js";
import { examples } from "../examples.js";
import type { Column } from "../output.js";
import { printJson, printList, printMessage } from "../output.js";

const blobColumns: Column<BlobItem>[] = [
  { header: "name", value: (b) => b.name },
  { header: "size", value: (b) => b.contentLength },
  { header: "lastModified", value: (b) => b.lastModified },
];

/** `1h`, `30m`, `7d`: how long a container URL stays valid. */
function lifetimeMs(value: string): number {
  const match = /^(\d+)([mhd])$/.exec(value);
  if (!match) throw new UsageError(`--expires-in '${value}' is not a duration: use e.g. 30m, 12h or 7d`);
  return Number(match[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as "m" | "h" | "d"];
}

function permissions(value: string): string {
  if (!/^[rlwd]+$/.test(value)) throw new UsageError(`--permissions '${value}' may only hold r, l, w and d`);
  return value;
}

export function registerStorageCommands(program: Command, context: CliContext): void {
  const storage = program
    .command("storage")
    .description(
      "The account's own file store (OpenBatch extension): containers of blobs, kept under the service's " +
        "data directory, that tasks download as resourceFiles [{autoStorageContainerName}] and upload to as " +
        "outputFiles [{destination: {autoStorage: {containerName, path}}}].",
    )
    .addHelpText(
      "after",
      examples(
        ["put an input file where tasks can fetch it", "openbatch storage upload inputs data.csv"],
        ["what a container holds", "openbatch storage list inputs"],
        ["fetch a task's result", "openbatch storage download results j1/t1/out.txt"],
      ),
    );

  storage
    .command("upload")
    .description(
      "Upload a file as a blob (PUT /openbatch/storage/{container}/{blob}); the container is created if needed, " +
        "a blob of the same name replaced. Container names: 3 to 63 lower-case letters, digits and single hyphens.",
    )
    .argument("<container>", "container name")
    .argument("<file>", "the local file")
    .argument("[blob]", "the blob's name, '/'-separated (default: the file's name)")
    .addHelpText(
      "after",
      examples(
        ["upload data.csv as inputs/data.csv", "openbatch storage upload inputs data.csv"],
        ["under another name", "openbatch storage upload inputs ./local/ref.fa genomes/hg38/ref.fa"],
      ),
    )
    .action(
      async (
        container: string,
        file: string,
        blob: string | undefined,
        _options: unknown,
        command: Command,
      ) => {
        let data: Buffer;
        try {
          data = fs.readFileSync(file);
        } catch (error) {
          throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
        }
        const name = blob ?? path.basename(file);
        await clientFor(command, context).storage.upload(container, name, data);
        printMessage(
          context,
          globalOptions(command).output,
          `Uploaded ${file} to ${container}/${name} (${data.length} bytes).`,
        );
      },
    );

  storage
    .command("download")
    .description(
      "Download a blob (GET /openbatch/storage/{container}/{blob}) to a file, or to stdout with '-'.",
    )
    .argument("<container>", "container name")
    .argument("<blob>", "the blob's name")
    .argument(
      "[file]",
      "where to write it (default: the blob's last name part in this directory; '-' for stdout)",
    )
    .addHelpText(
      "after",
      examples(
        ["save results/j1/t1/out.txt as ./out.txt", "openbatch storage download results j1/t1/out.txt"],
        ["print it", "openbatch storage download results j1/t1/out.txt -"],
      ),
    )
    .action(
      async (
        container: string,
        blob: string,
        file: string | undefined,
        _options: unknown,
        command: Command,
      ) => {
        const data = await clientFor(command, context).storage.download(container, blob);
        if (file === "-") {
          context.stdout(data);
          return;
        }
        const target = file ?? path.basename(blob);
        fs.writeFileSync(target, data);
        printMessage(
          context,
          globalOptions(command).output,
          `Downloaded ${container}/${blob} to ${target} (${data.length} bytes).`,
        );
      },
    );

  storage
    .command("list")
    .description("List a container's blobs (GET /openbatch/storage/{container}?restype=container&comp=list).")
    .argument("<container>", "container name")
    .option("--prefix <prefix>", "only blobs whose names start with this")
    .addHelpText(
      "after",
      examples(
        ["every blob with its size", "openbatch storage list results"],
        ["what task t1 of job j1 uploaded", "openbatch storage list results --prefix j1/t1/"],
      ),
    )
    .action(async (container: string, options: { prefix?: string }, command: Command) => {
      const blobs = await collect(
        clientFor(command, context).storage.list(container, { prefix: options.prefix }),
      );
      printList(context, globalOptions(command).output, blobs, blobColumns, `No blobs in ${container}.`);
    });

  storage
    .command("delete")
    .description("Delete a blob (DELETE /openbatch/storage/{container}/{blob}).")
    .argument("<container>", "container name")
    .argument("<blob>", "the blob's name")
    .addHelpText("after", examples(["remove one input", "openbatch storage delete inputs data.csv"]))
    .action(async (container: string, blob: string, _options: unknown, command: Command) => {
      await clientFor(command, context).storage.delete(container, blob);
      printMessage(context, globalOptions(command).output, `Deleted ${container}/${blob}.`);
    });

  storage
    .command("url")
    .description(
      "Print a container URL with a token (like an Azure SAS), signed here with the account key: give it as a " +
        "resource file's storageContainerUrl, an output file's destination.container.containerUrl, or to any " +
        "Azure Blob client. Permissions: r read, l list, w write, d delete.",
    )
    .argument("<container>", "container name")
    .option("--permissions <rlwd>", "what the URL allows", permissions, "rl")
    .option("--expires-in <duration>", "how long it stays valid: 30m, 12h, 7d", "1h")
    .addHelpText(
      "after",
      examples(
        ["a read-and-list URL for an hour", "openbatch storage url inputs"],
        [
          "a write URL for output files, for a day",
          "openbatch storage url results --permissions w --expires-in 1d",
        ],
      ),
    )
    .action(
      async (container: string, options: { permissions: string; expiresIn: string }, command: Command) => {
        const problem = containerNameProblem(container);
        if (problem) throw new UsageError(`the container name '${container}' ${problem}`);
        const expiresOn = new Date(Date.now() + lifetimeMs(options.expiresIn));
        const url = clientFor(command, context).storage.containerUrl(container, {
          permissions: options.permissions,
          expiresOn,
        });
        if (globalOptions(command).output === "json")
          printJson(context, { containerUrl: url, expiresOn: expiresOn.toISOString() });
        else context.stdout(`${url}\n`);
      },
    );
}
