import { readFile } from "node:fs/promises";
import type {
  Application,
  ApplicationPackage,
  ApplicationPutParameter,
  ApplicationSummary,
  PackageFormat,
} from "../protocol/rest/application.js";
import type { List } from "../protocol/rest/common.js";
import { type BatchHttp, batchPath } from "./http.js";

const CONTENT_TYPES: Record<PackageFormat, string> = { "tar.gz": "application/gzip", zip: "application/zip" };

/**
 * Applications and their versions (packages). `list` and `get` are Azure Batch's data-plane
 * operations; the rest manage them through OpenBatch's extension `/openbatch/applications` (ARM's
 * job in Azure).
 */
export class ApplicationOperations {
  constructor(private readonly http: BatchHttp) {}

  /** `GET /applications`: every application with its versions. */
  async list(): Promise<ApplicationSummary[]> {
    return (await this.http.json<List<ApplicationSummary>>({ method: "GET", path: "/applications" })).value;
  }

  /** `GET /applications/{applicationId}`. */
  get(applicationId: string): Promise<ApplicationSummary> {
    return this.http.json<ApplicationSummary>({
      method: "GET",
      path: batchPath`/applications/${applicationId}`,
    });
  }

  /** Creates the application, or replaces its settings (`PUT`). */
  create(applicationId: string, settings: ApplicationPutParameter = {}): Promise<Application> {
    return this.http.json<Application>({
      method: "PUT",
      path: batchPath`/openbatch/applications/${applicationId}`,
      body: settings,
    });
  }

  /** Changes the settings given (`PATCH`), e.g. `{ defaultVersion: "2.0" }`. */
  update(applicationId: string, settings: ApplicationPutParameter): Promise<Application> {
    return this.http.json<Application>({
      method: "PATCH",
      path: batchPath`/openbatch/applications/${applicationId}`,
      body: settings,
    });
  }

  /** The application's settings (`displayName`, `allowUpdates`, `defaultVersion`). */
  getSettings(applicationId: string): Promise<Application> {
    return this.http.json<Application>({
      method: "GET",
      path: batchPath`/openbatch/applications/${applicationId}`,
    });
  }

  async listSettings(): Promise<Application[]> {
    return (
      await this.http.json<{ value: Application[] }>({ method: "GET", path: "/openbatch/applications" })
    ).value;
  }

  /** Deletes the application and its versions; refused while a pool references it. */
  async delete(applicationId: string): Promise<void> {
    await this.http.send({ method: "DELETE", path: batchPath`/openbatch/applications/${applicationId}` });
  }

  /**
   * Uploads a version: `archive` is the bytes of a .tar.gz or .zip, or the path of one. The format is
   * taken from `format`, else from the path's extension, else the service judges by the first bytes.
   */
  async uploadVersion(
    applicationId: string,
    version: string,
    archive: Uint8Array | string,
    options: { format?: PackageFormat } = {},
  ): Promise<ApplicationPackage> {
    const bytes = typeof archive === "string" ? await readFile(archive) : archive;
    const format = options.format ?? (typeof archive === "string" ? formatOfPath(archive) : undefined);
    const response = await this.http.send({
      method: "PUT",
      path: batchPath`/openbatch/applications/${applicationId}/versions/${version}`,
      bytes,
      headers: { "content-type": format ? CONTENT_TYPES[format] : "application/octet-stream" },
    });
    return (await response.json()) as ApplicationPackage;
  }

  getVersion(applicationId: string, version: string): Promise<ApplicationPackage> {
    return this.http.json<ApplicationPackage>({
      method: "GET",
      path: batchPath`/openbatch/applications/${applicationId}/versions/${version}`,
    });
  }

  async listVersions(applicationId: string): Promise<ApplicationPackage[]> {
    const body = await this.http.json<{ value: ApplicationPackage[] }>({
      method: "GET",
      path: batchPath`/openbatch/applications/${applicationId}/versions`,
    });
    return body.value;
  }

  /** Deletes a version; refused while a pool uses it. */
  async deleteVersion(applicationId: string, version: string): Promise<void> {
    await this.http.send({
      method: "DELETE",
      path: batchPath`/openbatch/applications/${applicationId}/versions/${version}`,
    });
  }
}

function formatOfPath(path: string): PackageFormat | undefined {
  const lower = path.toLowerCase();
  if (lower.endsWith(".zip")) return "zip";
  if (lower.endsWith(".tar.gz") || lower.endsWith(".tgz")) return "tar.gz";
  return undefined;
}
