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

export function rangeHeaders(options: FileReadOptions): Record<string, string> {
  if (!options.range) return {};
  return { "ocp-range": `bytes=${options.range.start}-${options.range.end ?? ""}` };
}

export function filePropertiesOf(response: Response): FileProperties {
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
