import type { NodeFile } from "../protocol/rest/node.js";
import { type BatchHttp, batchPath } from "./http.js";
import { listAll } from "./paging.js";

/** Properties of a node or task file, from the headers of a `HEAD .../files/{filePath}`. */
export interface FileProperties {
  contentLength: number;
  contentType: string | undefined;
  lastModified: string | undefined;
  creationTime: string | undefined;
  isDirectory: boolean;
  fileMode: string | undefined;
  url: string | undefined;
}

export interface FileListOptions {
  /** List files in subdirectories too. */
  recursive?: boolean;
  filter?: string;
  maxResults?: number;
}

export interface FileReadOptions {
  /** Inclusive byte range, sent as `ocp-range: bytes=start-end` (`end` omitted: to the end of the file). */
  range?: { start: number; end?: number };
}

function rangeHeaders(options: FileReadOptions): Record<string, string> {
  if (!options.range) return {};
  return { "ocp-range": `bytes=${options.range.start}-${options.range.end ?? ""}` };
}

function filePropertiesOf(response: Response): FileProperties {
  const header = (name: string) => response.headers.get(name) ?? undefined;
  return {
    contentLength: Number(header("content-length") ?? 0),
    contentType: header("content-type"),
    lastModified: header("last-modified"),
    creationTime: header("ocp-creation-time"),
    isDirectory: header("ocp-batch-file-isdirectory") === "true",
    fileMode: header("ocp-batch-file-mode"),
    url: header("ocp-batch-file-url"),
  };
}

/**
 * The three file operations, shared by node files (`/pools/{p}/nodes/{n}/files`) and task files
 * (`/jobs/{j}/tasks/{t}/files`): `filesPath` is that prefix, already encoded.
 */
export class FileOperations {
  constructor(private readonly http: BatchHttp) {}

  /** `GET {filesPath}?recursive=`. */
  list(filesPath: string, options: FileListOptions = {}): AsyncGenerator<NodeFile> {
    const { recursive, ...listOptions } = options;
    return listAll<NodeFile>(this.http, filesPath, listOptions, { recursive });
  }

  /** `GET {filesPath}/{filePath}`: the file's bytes (or the requested range). */
  async bytes(filesPath: string, filePath: string, options: FileReadOptions = {}): Promise<Uint8Array> {
    return new Uint8Array(await (await this.read(filesPath, filePath, options)).arrayBuffer());
  }

  /** The file decoded as UTF-8. */
  async text(filesPath: string, filePath: string, options: FileReadOptions = {}): Promise<string> {
    return (await this.read(filesPath, filePath, options)).text();
  }

  /** `HEAD {filesPath}/{filePath}`. */
  async properties(filesPath: string, filePath: string): Promise<FileProperties> {
    return filePropertiesOf(
      await this.http.send({ method: "HEAD", path: filesPath + batchPath`/${filePath}` }),
    );
  }

  private read(filesPath: string, filePath: string, options: FileReadOptions): Promise<Response> {
    return this.http.send({
      method: "GET",
      path: filesPath + batchPath`/${filePath}`,
      headers: rangeHeaders(options),
    });
  }
}
