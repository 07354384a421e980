/**
 * Applications and their uploaded versions (packages): the settings and records (the archives
 * themselves are service/storage/packageArchives.ts), the references pools and tasks make to them, and
 * what a node gets for a reference: the resolved version and a signed download URL.
 *
 * A pool's references are checked when it is added (Azure: `InvalidApplicationPackageReferences`), and
 * what a pool references cannot be deleted. A task's are checked when it is added too, but a version
 * can still go away before the task runs: the node then fails the task with a pre-processing error.
 */
import type { DispatchApplicationPackage } from "../../protocol/agent.js";
import { BatchError, type ErrorDetail, invalidPropertyValue } from "../../protocol/errors.js";
import type {
  Application,
  ApplicationPackage,
  ApplicationPackageReference,
  ApplicationPutParameter,
  ApplicationSummary,
} from "../../protocol/rest/application.js";
import { applicationPackageUrl } from "../../protocol/storageToken.js";
import type { IncomingArchive, PackageArchives } from "../storage/packageArchives.js";
import type { Account } from "./account.js";
import type { ApplicationPackageRecord, ApplicationRecord, PoolRecord } from "./records.js";
import { now } from "./time.js";
import { eTag } from "./views.js";

/** How long a download URL handed to a node stays valid (a node may join, or a task retry, much later). */
const DOWNLOAD_TOKEN_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;

export class ApplicationCommands {
  constructor(
    private readonly account: Account,
    readonly archives: PackageArchives,
  ) {}

  get(applicationId: string): ApplicationRecord {
    const application = this.account.store.getApplication(applicationId);
    if (!application) throw new BatchError("ApplicationNotFound", `Application id: ${applicationId}.`);
    return application;
  }

  list(): ApplicationRecord[] {
    return this.account.store.listApplications();
  }

  /** Creates the application, or replaces its settings. */
  put(applicationId: string, settings: ApplicationPutParameter): ApplicationRecord {
    const existing = this.account.store.getApplication(applicationId);
    return this.save(applicationId, existing, settings);
  }

  /** Changes the settings given, keeps the others. */
  patch(applicationId: string, settings: ApplicationPutParameter): ApplicationRecord {
    const existing = this.get(applicationId);
    return this.save(applicationId, existing, { ...existing.settings, ...settings });
  }

  private save(
    applicationId: string,
    existing: ApplicationRecord | undefined,
    settings: ApplicationPutParameter,
  ): ApplicationRecord {
    const { defaultVersion } = settings;
    if (
      defaultVersion !== undefined &&
      !this.account.store.getApplicationPackage(applicationId, defaultVersion)
    )
      throw invalidPropertyValue(
        "defaultVersion",
        defaultVersion,
        `application ${applicationId} has no version ${defaultVersion}; upload it first`,
      );
    const application: ApplicationRecord = {
      id: applicationId,
      settings: { ...settings, allowUpdates: settings.allowUpdates ?? true },
      version: (existing?.version ?? 0) + 1,
      lastModified: now(),
    };
    this.account.store.putApplication(application);
    return application;
  }

  /** Deletes the application with every version, unless a pool references it. */
  async delete(applicationId: string): Promise<void> {
    this.get(applicationId);
    const users = this.poolsReferencing((ref) => ref.applicationId === applicationId);
    if (users.length > 0)
      throw new BatchError(
        "ApplicationPackageInUse",
        `Application ${applicationId} is referenced by pool(s) ${users.join(", ")}; delete those pools first.`,
      );
    this.account.store.deleteApplication(applicationId);
    await this.archives.delete(applicationId);
  }

  getVersion(applicationId: string, version: string): ApplicationPackageRecord {
    this.get(applicationId);
    const pkg = this.account.store.getApplicationPackage(applicationId, version);
    if (!pkg)
      throw new BatchError(
        "ApplicationPackageNotFound",
        `Application ${applicationId} has no version ${version}.`,
      );
    return pkg;
  }

  listVersions(applicationId: string): ApplicationPackageRecord[] {
    this.get(applicationId);
    return this.account.store.listApplicationPackages(applicationId);
  }

  /** Records a checked archive as the version (its file is put in place first). */
  async putVersion(
    applicationId: string,
    version: string,
    archive: IncomingArchive,
  ): Promise<ApplicationPackageRecord> {
    try {
      const application = this.get(applicationId);
      if (
        !application.settings.allowUpdates &&
        this.account.store.getApplicationPackage(applicationId, version)
      )
        throw new BatchError(
          "ApplicationPackageExists",
          `Version ${version} of application ${applicationId} exists and allowUpdates is false.`,
        );
    } catch (error) {
      await this.archives.discard(archive);
      throw error;
    }
    await this.archives.install(archive, applicationId, version);
    const pkg: ApplicationPackageRecord = {
      applicationId,
      version,
      format: archive.format,
      sha256: archive.sha256,
      size: archive.size,
      lastActivationTime: now(),
    };
    this.account.store.putApplicationPackage(pkg);
    return pkg;
  }

  /** Deletes a version unless a pool uses it (by name, or as the default); the default is unset. */
  async deleteVersion(applicationId: string, version: string): Promise<void> {
    const application = this.get(applicationId);
    this.getVersion(applicationId, version);
    const isDefault = application.settings.defaultVersion === version;
    const users = this.poolsReferencing(
      (ref) =>
        ref.applicationId === applicationId && (ref.version ?? (isDefault ? version : undefined)) === version,
    );
    if (users.length > 0)
      throw new BatchError(
        "ApplicationPackageInUse",
        `Version ${version} of application ${applicationId} is used by pool(s) ${users.join(", ")}; remove them or point them at another version first.`,
      );
    this.account.store.deleteApplicationPackage(applicationId, version);
    if (isDefault)
      this.save(applicationId, application, { ...application.settings, defaultVersion: undefined });
    await this.archives.delete(applicationId, version);
  }

  /**
   * Refuses references that do not resolve (unknown application or version, or no version and no
   * default) with `InvalidApplicationPackageReferences`, listing each in `values`.
   */
  checkReferences(references: readonly ApplicationPackageReference[] | undefined, property: string): void {
    const problems: ErrorDetail[] = [];
    const sentences: string[] = [];
    for (const ref of references ?? []) {
      const resolved = this.resolve(ref);
      if ("problem" in resolved) {
        problems.push({ key: ref.applicationId, value: ref.version ?? "(default version)" });
        sentences.push(resolved.problem);
      }
    }
    if (problems.length > 0)
      throw new BatchError(
        "InvalidApplicationPackageReferences",
        `${property}: ${sentences.join(" ")}`,
        problems,
      );
  }

  /** The references as a node installs them, each with its version and a download URL valid for a month. */
  forNode(
    references: readonly ApplicationPackageReference[] | undefined,
  ): DispatchApplicationPackage[] | undefined {
    if (!references?.length) return undefined;
    return references.map((ref) => this.resolve(ref));
  }

  private resolve(ref: ApplicationPackageReference): DispatchApplicationPackage {
    const { applicationId } = ref;
    const application = this.account.store.getApplication(applicationId);
    if (!application)
      return {
        applicationId,
        version: ref.version,
        problem: `Application ${applicationId} does not exist; create it and upload a package (openbatch application create ${applicationId}).`,
      };
    const version = ref.version ?? application.settings.defaultVersion;
    if (version === undefined)
      return {
        applicationId,
        problem: `Application ${applicationId} has no default version; name a version in the reference or set one (openbatch application update ${applicationId} --default-version <version>).`,
      };
    const pkg = this.account.store.getApplicationPackage(applicationId, version);
    if (!pkg)
      return {
        applicationId,
        version,
        problem: `Application ${applicationId} has no version ${version}; upload it (openbatch application package upload ${applicationId} ${version} --file <archive>).`,
      };
    const { config } = this.account;
    return {
      applicationId,
      version,
      isDefault: ref.version === undefined,
      url: applicationPackageUrl(config.endpoint, config.accountKey, {
        accountName: config.accountName,
        applicationId,
        version,
        expiresOn: new Date(Date.now() + DOWNLOAD_TOKEN_LIFETIME_MS).toISOString(),
      }),
      sha256: pkg.sha256,
      format: pkg.format,
    };
  }

  /** Ids of the pools (not being deleted) with a reference that `matches`. */
  private poolsReferencing(matches: (ref: ApplicationPackageReference) => boolean): string[] {
    return this.account.pools
      .all()
      .filter(
        (pool: PoolRecord) =>
          pool.state !== "deleting" && (pool.spec.applicationPackageReferences ?? []).some(matches),
      )
      .map((pool) => pool.id);
  }
}

export function applicationView(application: ApplicationRecord): Application {
  const { displayName, allowUpdates, defaultVersion } = application.settings;
  return {
    id: application.id,
    displayName,
    allowUpdates,
    defaultVersion,
    eTag: eTag(application.version),
    lastModified: application.lastModified,
  };
}

export function applicationPackageView(pkg: ApplicationPackageRecord): ApplicationPackage {
  return { ...pkg, state: "active" };
}

/** The data plane's view: Azure shows the id as the display name when there is none. */
export function applicationSummary(
  application: ApplicationRecord,
  packages: ApplicationPackageRecord[],
): ApplicationSummary {
  return {
    id: application.id,
    displayName: application.settings.displayName ?? application.id,
    versions: packages.map((pkg) => pkg.version),
  };
}
