import { type BlobItem, parseBlobList } from "../protocol/blobList.js";
import { containerUrl, STORAGE_PATH } from "../protocol/storageToken.js";
import type { BatchClientOptions, BatchHttp } from "./http.js";

export interface ContainerUrlOptions {
  /** Any of `r` (read), `l` (list), `w` (write), `d` (delete). Default `rl`. */
  permissions?: string;
  /** Default: an hour from now. */
  expiresOn?: Date;
}

function blobPath(container: string, blob: string): string {
  return `${STORAGE_PATH}/${encodeURIComponent(container)}/${blob.split("/").map(encodeURIComponent).join("/")}`;
}

/**
 * The account's own file store (an OpenBatch extension, `/openbatch/storage`): containers of blobs that
 * tasks reach as `autoStorageContainerName` resource files and `destination.autoStorage` output files.
 * Requests are signed with SharedKey like every other; blobs travel whole in memory.
 */
export class StorageOperations {
  constructor(
    private readonly http: BatchHttp,
    private readonly options: BatchClientOptions,
  ) {}

  /** Put Blob: creates or replaces `blob` (a `/`-separated name) in `container`, creating the container. */
  async upload(container: string, blob: string, data: Uint8Array | string): Promise<void> {
    await this.http.send({
      method: "PUT",
      path: blobPath(container, blob),
      bytes: typeof data === "string" ? Buffer.from(data) : data,
      headers: { "content-type": "application/octet-stream", "x-ms-blob-type": "BlockBlob" },
    });
  }

  /** Get Blob: its bytes. */
  async download(container: string, blob: string): Promise<Buffer> {
    const response = await this.http.send({ method: "GET", path: blobPath(container, blob) });
    return Buffer.from(await response.arrayBuffer());
  }

  /** List Blobs: every blob of `container` whose name starts with `prefix`, page after page. */
  async *list(container: string, options: { prefix?: string } = {}): AsyncGenerator<BlobItem> {
    let marker: string | undefined;
    do {
      const response = await this.http.send({
        method: "GET",
        path: `${STORAGE_PATH}/${encodeURIComponent(container)}`,
        query: { restype: "container", comp: "list", prefix: options.prefix, marker },
      });
      const page = parseBlobList(await response.text());
      yield* page.blobs;
      marker = page.nextMarker;
    } while (marker);
  }

  async delete(container: string, blob: string): Promise<void> {
    await this.http.send({ method: "DELETE", path: blobPath(container, blob) });
  }

  /**
   * A container URL with a token, minted here with the account key (no request): give it as a resource
   * file's `storageContainerUrl` or an output file's `destination.container.containerUrl`, or to any
   * Azure Blob client.
   */
  containerUrl(container: string, options: ContainerUrlOptions = {}): string {
    const expiresOn = options.expiresOn ?? new Date(Date.now() + 60 * 60 * 1000);
    return containerUrl(this.http.endpoint, this.options.accountKey, {
      accountName: this.options.accountName,
      container,
      permissions: options.permissions ?? "rl",
      expiresOn: expiresOn.toISOString(),
    });
  }
}
