/**
 * An Azure Blob container reached through a container URL that carries its SAS token in the query
 * string, so nothing is signed here: List Blobs, Get Blob and Put Blob, as plain HTTP. The account's
 * own file store answers the same requests (service/api/routes/storage.ts), so one client serves both.
 * A small fetch-based client instead of `@azure/storage-blob`: the agent is installed on every node,
 * and these three calls are all it needs.
 */
import { parseBlobList } from "../protocol/blobList.js";
import { displayUrl, downloadTo, getText, putFile } from "./httpTransfer.js";

/** A service version that takes Put Blob bodies up to 5,000 MiB. */
const STORAGE_VERSION = "2021-08-06";

export class BlobContainer {
  readonly #url: URL;

  constructor(containerUrl: string) {
    this.#url = new URL(containerUrl);
    this.#url.pathname = this.#url.pathname.replace(/\/+$/, "");
  }

  /** The URL of the blob `name`, with the container's token. */
  blobUrl(name: string): URL {
    const url = new URL(this.#url);
    url.pathname += `/${name.split("/").map(encodeURIComponent).join("/")}`;
    return url;
  }

  /** The blob's URL as it may be shown: without the token. */
  describe(name?: string): string {
    return displayUrl(name === undefined ? this.#url : this.blobUrl(name));
  }

  /** The names of every blob whose name starts with `prefix`, page after page. */
  async *list(prefix: string): AsyncGenerator<string> {
    let marker = "";
    do {
      const url = new URL(this.#url);
      url.searchParams.set("restype", "container");
      url.searchParams.set("comp", "list");
      url.searchParams.set("prefix", prefix);
      if (marker) url.searchParams.set("marker", marker);
      const page = parseBlobList(await getText(url, { "x-ms-version": STORAGE_VERSION }));
      for (const blob of page.blobs) yield blob.name;
      marker = page.nextMarker ?? "";
    } while (marker);
  }

  download(name: string, target: string, mode?: number): Promise<void> {
    return downloadTo(this.blobUrl(name), target, { mode, headers: { "x-ms-version": STORAGE_VERSION } });
  }

  /** Put Blob of the file at `path` as a block blob; `headers` are the output file's `uploadHeaders`. */
  upload(name: string, path: string, headers: Record<string, string> = {}): Promise<void> {
    return putFile(this.blobUrl(name), path, {
      "content-type": "application/octet-stream",
      ...headers,
      "x-ms-blob-type": "BlockBlob",
      "x-ms-version": STORAGE_VERSION,
    });
  }
}
