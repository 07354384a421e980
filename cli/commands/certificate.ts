import { type Command, Option } from "commander";
import { certificateFromFile } from "../../client/certificates.js";
import { collect } from "../../client/paging.js";
import { CertificateDataError } from "../../protocol/certificateData.js";
import { certificateFormats } from "../../protocol/states.js";
import { certificateColumns } from "../columns.js";
import { type CliContext, clientFor, globalOptions } from "../context.js";
import { UsageError } from "../errors.js";
import { examples } from "../examples.js";
import { printJson, printList, printMessage, printRecord } from "../output.js";

/** Read when --password is not given, so that the password need not appear on a command line. */
export const PASSWORD_VARIABLE = "OPENBATCH_CERTIFICATE_PASSWORD";

interface AddOptions {
  file: string;
  password?: string;
  thumbprint?: string;
  format?: (typeof certificateFormats)[number];
}

export function registerCertificateCommands(program: Command, context: CliContext): void {
  const certificate = program
    .command("certificate")
    .description(
      "Certificates of the account (pfx with its password, or cer), installed on the nodes of every pool " +
        "that references them, in $AZ_BATCH_CERTIFICATES_DIR.",
    )
    .addHelpText(
      "after",
      examples(
        [
          "add a pfx (thumbprint computed from the file)",
          "openbatch certificate add --file app.pfx --password s3cret",
        ],
        [
          "a pool whose nodes install it",
          "openbatch pool create p1 --vm-size small --target-dedicated-nodes 1 --certificate <thumbprint>",
        ],
        ["the account's certificates", "openbatch certificate list"],
      ),
    );

  certificate
    .command("add")
    .description(
      "Add a certificate (POST /certificates) from a .pfx (with --password) or .cer file (DER or PEM). " +
        "The thumbprint is computed from the file unless given (for a pfx that needs the openssl command). " +
        `Without --password the password is read from $${PASSWORD_VARIABLE}, if set.`,
    )
    .requiredOption("--file <path>", "the certificate file: .pfx/.p12 (pfx), or .cer/.crt/.pem/.der (cer)")
    .option("--password <password>", `the pfx's password (or set $${PASSWORD_VARIABLE})`)
    .option("--thumbprint <hex>", "its SHA-1 thumbprint; the service checks it against the file")
    .addOption(
      new Option("--format <format>", "the file's format, by default from its extension").choices(
        certificateFormats,
      ),
    )
    .addHelpText(
      "after",
      examples(
        [
          "a pfx, password from the environment",
          `${PASSWORD_VARIABLE}=s3cret openbatch certificate add --file app.pfx`,
        ],
        ["a public certificate", "openbatch certificate add --file ca.cer"],
        [
          "with the thumbprint stated (refused if the file's differs)",
          "openbatch certificate add --file ca.cer --thumbprint 681ee4631d43fc37fe7dfa4754a2a8ff8db84001",
        ],
      ),
    )
    .action(async (options: AddOptions, command: Command) => {
      const password = options.password ?? context.env[PASSWORD_VARIABLE];
      let body: Awaited<ReturnType<typeof certificateFromFile>>;
      try {
        body = await certificateFromFile(options.file, {
          password,
          thumbprint: options.thumbprint,
          format: options.format,
        });
      } catch (error) {
        if (error instanceof CertificateDataError)
          throw new UsageError(
            `${options.file}: ${error.message}${error.reason === "password" ? " (give --password)" : ""}`,
          );
        if ((error as NodeJS.ErrnoException).code === "ENOENT")
          throw new UsageError(`${options.file}: no such file`);
        throw error;
      }
      const client = clientFor(command, context);
      await client.certificates.add(body);
      const { output } = globalOptions(command);
      if (output === "json") printJson(context, await client.certificates.get(body.thumbprint));
      printMessage(
        context,
        output,
        `Certificate sha1-${body.thumbprint} added. Reference it from a pool: openbatch pool create <id> ... --certificate ${body.thumbprint}`,
      );
    });

  certificate
    .command("list")
    .description("List the account's certificates (GET /certificates); data and passwords are never shown.")
    .option("--filter <odata>", "OData $filter, e.g. \"state eq 'deleting'\"")
    .addHelpText(
      "after",
      examples(
        ["every certificate", "openbatch certificate list"],
        ["those waiting to be deleted", "openbatch certificate list --filter \"state eq 'deleting'\""],
      ),
    )
    .action(async (options: { filter?: string }, command: Command) => {
      const certificates = await collect(
        clientFor(command, context).certificates.list({ filter: options.filter }),
      );
      printList(context, globalOptions(command).output, certificates, certificateColumns, "No certificates.");
    });

  certificate
    .command("show")
    .description("Show a certificate (GET /certificates(thumbprintAlgorithm=sha1,thumbprint=...)).")
    .argument("<thumbprint>", "its SHA-1 thumbprint")
    .addHelpText(
      "after",
      examples(
        ["state and thumbprint", "openbatch certificate show 681ee4631d43fc37fe7dfa4754a2a8ff8db84001"],
        [
          "with its publicData (the .cer, base64)",
          "openbatch certificate show 681ee4631d43fc37fe7dfa4754a2a8ff8db84001 -o json",
        ],
      ),
    )
    .action(async (thumbprint: string, _options: unknown, command: Command) => {
      const shown = await clientFor(command, context).certificates.get(thumbprint);
      printRecord(context, globalOptions(command).output, shown, certificateColumns);
    });

  certificate
    .command("delete")
    .description(
      "Delete a certificate. Refused (PoolsReferencingCertificate) while an active pool references it: " +
        "delete those pools first. While pools being deleted still reference it, it waits in state deleting.",
    )
    .argument("<thumbprint>", "its SHA-1 thumbprint")
    .addHelpText(
      "after",
      examples(["delete it", "openbatch certificate delete 681ee4631d43fc37fe7dfa4754a2a8ff8db84001"]),
    )
    .action(async (thumbprint: string, _options: unknown, command: Command) => {
      await clientFor(command, context).certificates.delete(thumbprint);
      printMessage(
        context,
        globalOptions(command).output,
        `Certificate sha1-${thumbprint} is being deleted.`,
      );
    });

  certificate
    .command("cancel-delete")
    .description("Cancel the deletion of a certificate still in state deleting: it becomes active again.")
    .argument("<thumbprint>", "its SHA-1 thumbprint")
    .addHelpText(
      "after",
      examples([
        "keep it after all",
        "openbatch certificate cancel-delete 681ee4631d43fc37fe7dfa4754a2a8ff8db84001",
      ]),
    )
    .action(async (thumbprint: string, _options: unknown, command: Command) => {
      await clientFor(command, context).certificates.cancelDeletion(thumbprint);
      printMessage(context, globalOptions(command).output, `Certificate sha1-${thumbprint} is active again.`);
    });
}
