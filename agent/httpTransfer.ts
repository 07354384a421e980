/**
 * Moving one file over HTTP, for resource files and output files: a GET streamed into place, a PUT
 * streamed from disk with its Content-Length (Azure's Put Blob and S3's PutObject both require one,
 * which `fetch` does not send for a streamed body, hence node:http for uploads). Failures are
 * `TransferError`s that name the URL without its query string, where SAS tokens and signatures live.
 */
import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { chmod, rename, rm, stat } from "node:fs/promises";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { storageErrorCode } from "../protocol/blobList.js";
import { errorText } from "./log.js";

/** How long an upload may go without the server reading or answering. */
const UPLOAD_IDLE_TIMEOUT_MS = 60_000;

export class TransferError extends Error {
  constructor(
    /** The URL without its query string. */
    readonly url: string,
    message: string,
    /** The HTTP status; absent when the server could not be reached. */
    readonly status?: number,
    /** The storage service's error code (`BlobNotFound`, `NoSuchBucket`...), when it sent one. */
    readonly storageCode?: string,
  ) {
    super(message);
  }
}

/** `url` without its query string, which may hold a SAS token or a signature. */
export function displayUrl(url: string | URL): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}${parsed.search ? "?<token hidden>" : ""}`;
}

/**
 * GETs `url` into `target` through a temporary file beside it, renamed into place, so a symlink left
 * at `target` is replaced, not written through. `mode` (e.g. 0o755) is applied before the rename.
 */
export async function downloadTo(
  url: URL,
  target: string,
  options: { mode?: number; headers?: Record<string, string> } = {},
): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, { headers: options.headers });
  } catch (error) {
    throw unreachable(url, error);
  }
  if (!response.ok || !response.body) {
    const body = await response.text();
    throw statusError(url, response.status, storageErrorCode(response.headers.get("x-ms-error-code"), body));
  }
  const temporary = `${target}.${randomUUID().slice(0, 8)}.download`;
  try {
    await pipeline(
      Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
      createWriteStream(temporary),
    );
    if (options.mode !== undefined) await chmod(temporary, options.mode);
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new TransferError(displayUrl(url), `writing ${target} failed: ${errorText(error)}`);
  }
}

/** PUTs the file at `path` to `url` with `headers` and its Content-Length. */
export async function putFile(url: URL, path: string, headers: Record<string, string>): Promise<void> {
  const { size } = await stat(path);
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  await new Promise<void>((resolve, reject) => {
    const request = send(
      url,
      {
        method: "PUT",
        headers: { ...headers, "content-length": String(size) },
        timeout: UPLOAD_IDLE_TIMEOUT_MS,
      },
      (response) => {
        readText(response).then((body) => {
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(statusError(url, status, storageErrorCode(header(response, "x-ms-error-code"), body)));
        }, reject);
      },
    );
    request.on("timeout", () =>
      request.destroy(new Error(`no progress for ${UPLOAD_IDLE_TIMEOUT_MS / 1000} s`)),
    );
    request.on("error", (error) => reject(unreachable(url, error)));
    if (size === 0) {
      request.end();
      return;
    }
    // Only the bytes stat counted: a file still being written (a log) would overrun its Content-Length.
    const file = createReadStream(path, { end: size - 1 });
    file.on("error", (error) => request.destroy(error));
    file.pipe(request);
  });
}

/** GETs `url` and returns its body as text (for listings), or throws a TransferError. */
export async function getText(url: URL, headers: Record<string, string>): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, { headers });
  } catch (error) {
    throw unreachable(url, error);
  }
  const body = await response.text();
  if (!response.ok)
    throw statusError(url, response.status, storageErrorCode(response.headers.get("x-ms-error-code"), body));
  return body;
}

function header(response: IncomingMessage, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readText(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function statusError(url: URL, status: number, storageCode: string | undefined): TransferError {
  const code = storageCode ? ` (${storageCode})` : "";
  return new TransferError(displayUrl(url), `the server answered ${status}${code}`, status, storageCode);
}

function unreachable(url: URL, error: unknown): TransferError {
  // fetch hides the system error (ECONNREFUSED...) in `cause`.
  const cause = (error as { cause?: unknown }).cause;
  return new TransferError(displayUrl(url), `the server could not be reached: ${errorText(cause ?? error)}`);
}
