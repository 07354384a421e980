import fs from "node:fs";
import type { Command } from "commander";
import type {
  Application,
  ApplicationPackage,
  ApplicationPutParameter,
} from "../../protocol/rest/application.js";
import { type CliContext, clientFor, globalOptions } from "../context.js";
import { UsageError } from "../errors.js";
import { examples } from "../examples.js";
import { type Column, printJson, printList, printMessage, printRecord } from "../output.js";

interface SettingsOptions {
  displayName?: string;
  defaultVersion?: string;
  allowUpdates?: boolean;
}

const applicationColumns: Column<Application & { versions: string[] }>[] = [
  { header: "id", value: (a) => a.id },
  { header: "displayName", value: (a) => a.displayName },
  { header: "defaultVersion", value: (a) => a.defaultVersion },
  { header: "allowUpdates", value: (a) => a.allowUpdates },
  { header: "versions", value: (a) => a.versions.join(" ") },
];

const packageColumns: Column<ApplicationPackage>[] = [
  { header: "version", value: (p) => p.version },
  { header: "format", value: (p) => p.format },
  { header: "size", value: (p) => p.size },
  { header: "sha256", value: (p) => p.sha256 },
  { header: "lastActivationTime", value: (p) => p.lastActivationTime },
];

function settingsFrom(options: SettingsOptions): ApplicationPutParameter {
  const settings: ApplicationPutParameter = {};
  if (options.displayName !== undefined) settings.displayName = options.displayName;
  if (options.defaultVersion !== undefined) settings.defaultVersion = options.defaultVersion;
  if (options.allowUpdates !== undefined) settings.allowUpdates = options.allowUpdates;
  return settings;
}

/** `--allow-updates true|false`. */
function booleanValue(value: string): boolean {
  if (value !== "true" && value !== "false") throw new UsageError(`expected true or false, not '${value}'`);
  return value === "true";
}

export function registerApplicationCommands(program: Command, context: CliContext): void {
  const application = program
    .command("application")
    .description(
      "Applications and their versions (packages): .tar.gz or .zip archives that nodes install under " +
        "applications/<app>.<version> for pools and tasks that reference them, with $AZ_BATCH_APP_PACKAGE_<app>_<version> " +
        "(and $AZ_BATCH_APP_PACKAGE_<app> for the default version) pointing there.",
    )
    .addHelpText(
      "after",
      examples(
        ["an application", "openbatch application create blender --display-name Blender"],
        [
          "its first version, made the default",
          "openbatch application package upload blender 2.79 --file blender.tar.gz --set-default",
        ],
        [
          "nodes that install it",
          "openbatch pool create p1 --vm-size small --target-dedicated-nodes 2 --application-package blender",
        ],
        [
          "a task that runs it",
          "openbatch task add j1 t1 --command-line \"/bin/sh -c '\\$AZ_BATCH_APP_PACKAGE_blender/bin/blender -v'\"",
        ],
      ),
    );

  const settingsOptions = (command: Command) =>
    command
      .option("--display-name <name>", "a name for people")
      .option("--default-version <version>", "the version used by references without one (must be uploaded)")
      .option(
        "--allow-updates <true|false>",
        "whether uploading an existing version replaces it (default true)",
        booleanValue,
      );

  settingsOptions(
    application
      .command("create")
      .description("Create an application, or replace its settings (PUT /openbatch/applications/{app}).")
      .argument("<app>", "application id: letters, digits, - and _, up to 64 characters"),
  )
    .addHelpText(
      "after",
      examples([
        "create blender; its uploaded versions cannot be replaced",
        "openbatch application create blender --display-name Blender --allow-updates false",
      ]),
    )
    .action(async (id: string, options: SettingsOptions, command: Command) => {
      const created = await clientFor(command, context).applications.create(id, settingsFrom(options));
      const { output } = globalOptions(command);
      if (output === "json") printJson(context, created);
      printMessage(
        context,
        output,
        `Application ${id} saved. Upload a version: openbatch application package upload ${id} <version> --file <archive>`,
      );
    });

  settingsOptions(
    application
      .command("update")
      .description("Change the settings given (PATCH /openbatch/applications/{app}); the others stay.")
      .argument("<app>", "application id"),
  )
    .addHelpText(
      "after",
      examples(["make 2.80 the default", "openbatch application update blender --default-version 2.80"]),
    )
    .action(async (id: string, options: SettingsOptions, command: Command) => {
      const updated = await clientFor(command, context).applications.update(id, settingsFrom(options));
      const { output } = globalOptions(command);
      if (output === "json") printJson(context, updated);
      printMessage(context, output, `Application ${id} updated.`);
    });

  application
    .command("list")
    .description("List the applications with their settings and versions.")
    .addHelpText(
      "after",
      examples(
        ["every application", "openbatch application list"],
        ["as JSON", "openbatch -o json application list"],
      ),
    )
    .action(async (_options: unknown, command: Command) => {
      const client = clientFor(command, context);
      const rows = await Promise.all(
        (await client.applications.listSettings()).map(async (a) => ({
          ...a,
          versions: (await client.applications.listVersions(a.id)).map((p) => p.version),
        })),
      );
      printList(context, globalOptions(command).output, rows, applicationColumns, "No applications.");
    });

  application
    .command("show")
    .description("Show an application's settings and versions.")
    .argument("<app>", "application id")
    .addHelpText("after", examples(["blender's settings and versions", "openbatch application show blender"]))
    .action(async (id: string, _options: unknown, command: Command) => {
      const client = clientFor(command, context);
      const settings = await client.applications.getSettings(id);
      const versions = (await client.applications.listVersions(id)).map((p) => p.version);
      printRecord(context, globalOptions(command).output, { ...settings, versions }, applicationColumns);
    });

  application
    .command("delete")
    .description("Delete an application and all its versions; refused while a pool references it.")
    .argument("<app>", "application id")
    .addHelpText(
      "after",
      examples(["delete blender and its versions", "openbatch application delete blender"]),
    )
    .action(async (id: string, _options: unknown, command: Command) => {
      await clientFor(command, context).applications.delete(id);
      printMessage(context, globalOptions(command).output, `Application ${id} deleted.`);
    });

  const pkg = application
    .command("package")
    .description("An application's versions: upload, list, show, delete.")
    .addHelpText(
      "after",
      examples(["upload a zip", "openbatch application package upload blender 2.80 --file blender-2.80.zip"]),
    );

  pkg
    .command("upload")
    .description(
      "Upload a version (PUT /openbatch/applications/{app}/versions/{version}): a .tar.gz or .zip whose " +
        "entries stay inside it (no absolute paths, no '..', no links out); the service checks it before keeping it. " +
        "The application must exist.",
    )
    .argument("<app>", "application id")
    .argument("<version>", "version: letters, digits, '_', '-' and '.', up to 64 characters")
    .requiredOption("--file <path>", "the archive (.tar.gz, .tgz or .zip)")
    .option("--set-default", "make it the application's default version")
    .addHelpText(
      "after",
      examples(
        ["upload version 2.79", "openbatch application package upload blender 2.79 --file blender.tar.gz"],
        [
          "and make it the default",
          "openbatch application package upload blender 2.79 --file blender.tar.gz --set-default",
        ],
      ),
    )
    .action(
      async (
        id: string,
        version: string,
        options: { file: string; setDefault?: boolean },
        command: Command,
      ) => {
        if (!fs.existsSync(options.file))
          throw new UsageError(`cannot read --file ${options.file}: no such file`);
        const client = clientFor(command, context);
        const uploaded = await client.applications.uploadVersion(id, version, options.file);
        if (options.setDefault) await client.applications.update(id, { defaultVersion: version });
        const { output } = globalOptions(command);
        if (output === "json") printJson(context, uploaded);
        printMessage(
          context,
          output,
          `Uploaded version ${version} of ${id} (${uploaded.format}, ${uploaded.size} bytes, sha256 ${uploaded.sha256})${options.setDefault ? "; it is the default" : ""}.`,
        );
      },
    );

  pkg
    .command("list")
    .description("List an application's versions.")
    .argument("<app>", "application id")
    .addHelpText("after", examples(["blender's versions", "openbatch application package list blender"]))
    .action(async (id: string, _options: unknown, command: Command) => {
      const versions = await clientFor(command, context).applications.listVersions(id);
      printList(
        context,
        globalOptions(command).output,
        versions,
        packageColumns,
        `Application ${id} has no versions.`,
      );
    });

  pkg
    .command("show")
    .description("Show one version: format, size, sha256, when it was uploaded.")
    .argument("<app>", "application id")
    .argument("<version>", "version")
    .addHelpText(
      "after",
      examples(["one version, with its sha256", "openbatch application package show blender 2.79"]),
    )
    .action(async (id: string, version: string, _options: unknown, command: Command) => {
      const found = await clientFor(command, context).applications.getVersion(id, version);
      printRecord(context, globalOptions(command).output, found, packageColumns);
    });

  pkg
    .command("delete")
    .description("Delete a version; refused while a pool uses it (by name, or as the default).")
    .argument("<app>", "application id")
    .argument("<version>", "version")
    .addHelpText(
      "after",
      examples(["delete version 2.79", "openbatch application package delete blender 2.79"]),
    )
    .action(async (id: string, version: string, _options: unknown, command: Command) => {
      await clientFor(command, context).applications.deleteVersion(id, version);
      printMessage(context, globalOptions(command).output, `Version ${version} of ${id} deleted.`);
    });
}
