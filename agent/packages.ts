/**
 * Installs application packages on the node: the pool's when the node joins (the service waits for
 * `nodePrepared` before the start task and tasks), a task's before its command runs. Each version is
 * installed once per node into `applications/<applicationId>.<version>` (packageLayout.ts), and
 * concurrent requests for it share one download.
 *
 * Installing: download the archive from the URL the service signed into `applications/`, check its
 * SHA-256 against the one the service recorded at upload, extract it into a temporary folder inside
 * `applications/` (archiveExtraction.ts refuses unsafe entries), then rename that folder into place. A
 * failure leaves no folder and no archive behind. The installed SHA-256 is kept in the agent's state
 * (`.agent/applications/<folder>.sha256`): a version uploaded again with other content is reinstalled.
 *
 * Failure codes (a task's FailureReport, usererror, stage preProcessing; or the node's `errors`):
 * - `ApplicationPackageUnavailable`: the service could not resolve the reference (no such application
 *   or version, or no default version).
 * - `ApplicationPackageDownloadFailed`: the archive could not be downloaded.
 * - `ApplicationPackageChecksumMismatch`: the archive's SHA-256 is not the uploaded one.
 * - `ApplicationPackageUnsafe`: an entry would escape the package folder (or is not a file, folder or link).
 * - `ApplicationPackageInstallFailed`: the archive could not be read or extracted (or a disk error).
 */
import { createHash, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type {
  DispatchApplicationPackage,
  FailureReport,
  ResolvedApplicationPackage,
} from "../protocol/agent.js";
import { extractArchive, UnsafeArchiveError } from "./archiveExtraction.js";
import { displayUrl, downloadTo, TransferError } from "./httpTransfer.js";
import { errorText, type Log } from "./log.js";
import { packageFolder, packageFolderName, packageVariables } from "./packageLayout.js";

export interface PackageError {
  code: string;
  message: string;
}

class InstallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class PackageInstaller {
  /** Installs in progress, by folder and SHA-256. */
  readonly #inFlight = new Map<string, Promise<void>>();
  /** The pool's packages, from the latest `registered`: their variables go to every run. */
  #poolPackages: ResolvedApplicationPackage[] = [];

  constructor(
    readonly applicationsDir: string,
    /** Where the installed SHA-256s are kept (the agent's state directory). */
    private readonly stateDir: string,
    private readonly log: Log,
  ) {}

  /** Installs the pool's packages; resolves with one error per package that could not be installed. */
  async installPoolPackages(packages: readonly DispatchApplicationPackage[]): Promise<PackageError[]> {
    this.#poolPackages = packages.filter(isResolved);
    const outcomes = await Promise.all(packages.map((pkg) => this.#installOne(pkg)));
    return outcomes.filter((outcome): outcome is PackageError => outcome !== undefined);
  }

  /** Installs a run's packages; the first failure becomes the run's pre-processing failure. */
  async installForRun(
    packages: readonly DispatchApplicationPackage[] | undefined,
  ): Promise<FailureReport | undefined> {
    const outcomes = await Promise.all((packages ?? []).map((pkg) => this.#installOne(pkg)));
    const failure = outcomes.find((outcome) => outcome !== undefined);
    return failure && { category: "usererror", stage: "preProcessing", ...failure };
  }

  /** The AZ_BATCH_APP_PACKAGE_* variables of the pool's packages and the run's own. */
  variables(runPackages: readonly DispatchApplicationPackage[] | undefined): Record<string, string> {
    return packageVariables(this.applicationsDir, [
      ...this.#poolPackages,
      ...(runPackages ?? []).filter(isResolved),
    ]);
  }

  async #installOne(pkg: DispatchApplicationPackage): Promise<PackageError | undefined> {
    if (!isResolved(pkg)) return { code: "ApplicationPackageUnavailable", message: pkg.problem };
    const key = `${packageFolderName(pkg.applicationId, pkg.version)}:${pkg.sha256}`;
    let install = this.#inFlight.get(key);
    if (!install) {
      install = this.#install(pkg).finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, install);
    }
    try {
      await install;
      return undefined;
    } catch (error) {
      const what = `version ${pkg.version} of application ${pkg.applicationId}`;
      if (error instanceof InstallError)
        return { code: error.code, message: `Installing ${what}: ${error.message}` };
      return {
        code: "ApplicationPackageInstallFailed",
        message: `Installing ${what} failed: ${errorText(error)}; check the node's disk.`,
      };
    }
  }

  async #install(pkg: ResolvedApplicationPackage): Promise<void> {
    const name = packageFolderName(pkg.applicationId, pkg.version);
    const folder = packageFolder(this.applicationsDir, pkg.applicationId, pkg.version);
    const marker = join(this.stateDir, "applications", `${name}.sha256`);
    const installed = await readFile(marker, "utf8").catch(() => undefined);
    if (installed === pkg.sha256 && (await stat(folder).catch(() => undefined))?.isDirectory()) return;

    const temporary = join(this.applicationsDir, `.incoming-${randomUUID().slice(0, 8)}`);
    const archive = `${temporary}.${pkg.format}`;
    this.log.info(`packages: installing ${name} from ${displayUrl(pkg.url)}`);
    try {
      await download(pkg, archive);
      const actual = await sha256Of(archive);
      if (actual !== pkg.sha256)
        throw new InstallError(
          "ApplicationPackageChecksumMismatch",
          `the downloaded archive's SHA-256 is ${actual}, not ${pkg.sha256} as uploaded; the archive on the service was changed or damaged, upload the version again.`,
        );
      await mkdir(temporary);
      try {
        await extractArchive(archive, pkg.format, temporary);
      } catch (error) {
        if (error instanceof UnsafeArchiveError)
          throw new InstallError(
            "ApplicationPackageUnsafe",
            `the archive was refused: ${error.message}; nothing of it was installed. Rebuild it with relative paths that stay inside it and upload it again.`,
          );
        throw new InstallError(
          "ApplicationPackageInstallFailed",
          `the ${pkg.format} archive could not be extracted (${errorText(error)}); upload a complete archive again.`,
        );
      }
      // Replace an older install of the same version (uploaded again) only once the new one is whole.
      await rm(folder, { recursive: true, force: true });
      await rename(temporary, folder);
      await mkdir(join(this.stateDir, "applications"), { recursive: true });
      await writeFile(marker, pkg.sha256);
      this.log.info(`packages: installed ${name}`);
    } finally {
      await rm(archive, { force: true });
      await rm(temporary, { recursive: true, force: true });
    }
  }
}

function isResolved(pkg: DispatchApplicationPackage): pkg is ResolvedApplicationPackage {
  return "url" in pkg;
}

async function download(pkg: ResolvedApplicationPackage, target: string): Promise<void> {
  try {
    await downloadTo(new URL(pkg.url), target);
  } catch (error) {
    if (!(error instanceof TransferError)) throw error;
    throw new InstallError(
      "ApplicationPackageDownloadFailed",
      `downloading ${error.url} failed: ${error.message}. Check that the account service is reachable from the node and that the version still exists.`,
    );
  }
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
