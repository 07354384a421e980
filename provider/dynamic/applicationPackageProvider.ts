/**
 * The implementation behind `ApplicationPackage` (applicationPackage.ts), loaded inside the
 * dynamic-provider plugin. The id is `<applicationId>/<version>`. Everything but `isDefault` and the
 * connection replaces the package.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import type { BatchClient } from "../../client/index.js";
import {
  APPLICATION_VERSION_REGEX,
  type ApplicationPackage,
  type PackageFormat,
} from "../../protocol/rest/application.js";
import type { ApplicationPackageInputs, ApplicationPackageOutputs } from "./applicationPackage.js";
import { clientFor, connectionFailures, connectionOf, unlessGone } from "./connection.js";
import { until } from "./polling.js";
import { type ChangeTable, diffByTable, idFailure, isKnownString, withoutUndefined } from "./propertyDiff.js";

const changeEffects: ChangeTable<ApplicationPackageInputs> = {
  applicationId: "replace",
  version: "replace",
  archivePath: "replace",
  sha256: "replace",
  format: "replace",
  accountName: "replace",
  isDefault: "update",
  endpoint: "update",
  accountKey: "update",
};

function formatOf(archivePath: string): PackageFormat | undefined {
  const lower = archivePath.toLowerCase();
  if (lower.endsWith(".zip")) return "zip";
  if (lower.endsWith(".tar.gz") || lower.endsWith(".tgz")) return "tar.gz";
  return undefined;
}

function sha256Of(file: string): string {
  return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** A package not found, or its application not found: both mean the package is gone. */
async function packageIfAny(client: BatchClient, applicationId: string, version: string) {
  const answer = await unlessGone(
    unlessGone(client.applications.getVersion(applicationId, version), "ApplicationNotFound"),
    "ApplicationPackageNotFound",
  );
  return answer.found && answer.value.found ? answer.value.value : undefined;
}

class ApplicationPackageProvider
  implements pulumi.dynamic.ResourceProvider<ApplicationPackageInputs, ApplicationPackageOutputs>
{
  /** Reads the archive (relative to the project directory) for its digest, naming what to fix. */
  async check(
    _olds: ApplicationPackageInputs,
    news: ApplicationPackageInputs,
  ): Promise<pulumi.dynamic.CheckResult<ApplicationPackageInputs>> {
    const inputs = withoutUndefined({ ...news, isDefault: news.isDefault ?? false });
    const failures = connectionFailures(inputs);
    const badId = idFailure("applicationId", inputs.applicationId);
    if (badId) failures.push(badId);
    if (isKnownString(inputs.version) && !APPLICATION_VERSION_REGEX.test(inputs.version))
      failures.push({
        property: "version",
        reason: `version '${inputs.version}' is invalid: use 1 to 64 letters, digits, '_', '-' and '.' (not only dots).`,
      });
    if (isKnownString(inputs.archivePath)) {
      const file = path.resolve(inputs.archivePath);
      const format = formatOf(file);
      if (!format)
        failures.push({
          property: "archivePath",
          reason: `archivePath '${inputs.archivePath}' must name a .tar.gz, .tgz or .zip file.`,
        });
      else if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile())
        failures.push({
          property: "archivePath",
          reason: `archivePath '${inputs.archivePath}' is not a file (resolved to ${file}): build the archive first, or fix the path.`,
        });
      else Object.assign(inputs, { sha256: sha256Of(file), format });
    } else if (inputs.archivePath === undefined)
      failures.push({ property: "archivePath", reason: "archivePath is required: a .tar.gz or .zip file." });
    return { inputs, failures };
  }

  /** An imported package has no archive path in its state: then its digest alone says whether it is the same. */
  async diff(_id: string, olds: ApplicationPackageOutputs, news: ApplicationPackageInputs) {
    const comparable = olds.archivePath === undefined ? { ...news, archivePath: undefined } : news;
    const diff = diffByTable(olds, comparable, changeEffects);
    // The id is the application and version: only a new one can exist beside the old one.
    const sameId = olds.applicationId === news.applicationId && olds.version === news.version;
    return { ...diff, deleteBeforeReplace: diff.replaces!.length > 0 && sameId };
  }

  async create(
    inputs: ApplicationPackageInputs,
  ): Promise<pulumi.dynamic.CreateResult<ApplicationPackageOutputs>> {
    const client = clientFor(inputs);
    const uploaded = await client.applications.uploadVersion(
      inputs.applicationId,
      inputs.version,
      path.resolve(inputs.archivePath),
      { format: inputs.format },
    );
    if (inputs.isDefault) await setDefault(client, inputs, true);
    return { id: `${inputs.applicationId}/${inputs.version}`, outs: outputs(inputs, uploaded) };
  }

  async update(_id: string, olds: ApplicationPackageOutputs, news: ApplicationPackageInputs) {
    const client = clientFor(news);
    if (olds.isDefault !== news.isDefault) await setDefault(client, news, news.isDefault);
    return { outs: { ...olds, ...news } };
  }

  /** No id when the package (or its application) is gone. */
  async read(id: string, props?: ApplicationPackageOutputs): Promise<pulumi.dynamic.ReadResult> {
    const client = clientFor(props);
    const [applicationId, version] = splitId(id);
    const found = await packageIfAny(client, applicationId, version);
    if (!found) return {};
    const application = await client.applications.getSettings(applicationId);
    const inputs: ApplicationPackageInputs = withoutUndefined({
      ...connectionOf(client, props),
      applicationId,
      version,
      archivePath: props?.archivePath as string,
      sha256: found.sha256,
      format: found.format,
      isDefault: application.defaultVersion === version,
    });
    return { id, props: outputs(inputs, found), inputs };
  }

  /** Refused (ApplicationPackageInUse) while a pool uses the version; returns once it is gone. */
  async delete(id: string, props: ApplicationPackageOutputs): Promise<void> {
    const client = clientFor(props);
    const [applicationId, version] = splitId(id);
    const deleting = unlessGone(
      client.applications.deleteVersion(applicationId, version),
      "ApplicationNotFound",
    );
    if (!(await unlessGone(deleting, "ApplicationPackageNotFound")).found) return;
    await until(
      `Version ${version} of application ${applicationId} is still being deleted after 1 minute.`,
      60_000,
      async () => !(await packageIfAny(client, applicationId, version)),
    );
  }
}

/** Makes the version the application's default, or unsets it (if it still is the default). */
async function setDefault(client: BatchClient, inputs: ApplicationPackageInputs, isDefault: boolean) {
  if (isDefault) {
    await client.applications.update(inputs.applicationId, { defaultVersion: inputs.version });
    return;
  }
  const { displayName, allowUpdates, defaultVersion } = await client.applications.getSettings(
    inputs.applicationId,
  );
  if (defaultVersion === inputs.version)
    await client.applications.create(inputs.applicationId, withoutUndefined({ displayName, allowUpdates }));
}

function splitId(id: string): [string, string] {
  const slash = id.indexOf("/");
  if (slash < 0) throw new Error(`'${id}' is not an application package id: use <applicationId>/<version>.`);
  return [id.slice(0, slash), id.slice(slash + 1)];
}

function outputs(inputs: ApplicationPackageInputs, uploaded: ApplicationPackage): ApplicationPackageOutputs {
  return { ...inputs, sha256: uploaded.sha256, format: uploaded.format, size: uploaded.size };
}

export const provider = new ApplicationPackageProvider();
