/**
 * Files on compute nodes, read through their agents: `/pools/{p}/nodes/{n}/files` (paths relative
 * to the node root) and `/jobs/{j}/tasks/{t}/files` (relative to the task directory on the node the
 * task ran on). List, get (with `ocp-range`) and HEAD (properties) for both.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { FileEntry } from "../../../protocol/agent.js";
import { BatchError } from "../../../protocol/errors.js";
import { NodeFile } from "../../../protocol/rest/node.js";
import { nodeUrl, taskDirectory, taskUrl } from "../../core/views.js";
import { fillPage, fromArray, listBody, readBoolean, readListQuery } from "../listing.js";
import { httpDate } from "../responses.js";
import type { RouteContext } from "../routeContext.js";

/** Where a file operation goes: a node, a directory on it, and the URL prefix of the files there. */
interface FileScope {
  poolId: string;
  nodeId: string;
  /** Relative to the node root; "" is the root. */
  directory: string;
  /** `.../files` without a trailing slash. */
  filesUrl: string;
}

type NodeParams = { Params: { poolId: string; nodeId: string; "*"?: string } };
type TaskParams = { Params: { jobId: string; taskId: string; "*"?: string } };

export function fileRoutes(app: FastifyInstance, context: RouteContext): void {
  const { account, endpoint } = context;

  const nodeScope = (request: FastifyRequest<NodeParams>): FileScope => {
    const { poolId, nodeId } = request.params;
    account.nodes.get(poolId, nodeId);
    return { poolId, nodeId, directory: "", filesUrl: `${nodeUrl(endpoint(), poolId, nodeId)}/files` };
  };

  const taskScope = (request: FastifyRequest<TaskParams>): FileScope => {
    const { jobId, taskId } = request.params;
    const task = account.tasks.get(jobId, taskId);
    if (!task.node) {
      throw new BatchError(
        "FileNotFound",
        `Task ${taskId} of job ${jobId} has not run on a node yet, so it has no files.`,
      );
    }
    return {
      poolId: task.node.poolId,
      nodeId: task.node.nodeId,
      directory: taskDirectory(jobId, taskId),
      filesUrl: `${taskUrl(endpoint(), jobId, taskId)}/files`,
    };
  };

  for (const [base, scopeOf] of [
    ["/pools/:poolId/nodes/:nodeId/files", nodeScope],
    ["/jobs/:jobId/tasks/:taskId/files", taskScope],
  ] as const) {
    const scope = scopeOf as (request: FastifyRequest) => FileScope;
    app.get(base, (request, reply) => listFiles(request, reply, scope(request)));
    app.get(`${base}/*`, (request, reply) => getFile(request, reply, scope(request)));
    app.head(`${base}/*`, (request, reply) => fileProperties(request, reply, scope(request)));
  }

  async function listFiles(request: FastifyRequest, reply: FastifyReply, scope: FileScope) {
    const query = readListQuery(request, NodeFile);
    const recursive = readBoolean(request, "recursive");
    const entries = await account.nodes.listFiles(scope.poolId, scope.nodeId, scope.directory, recursive);
    const page = fillPage(query, fromArray(entries), ({ item }) => nodeFileView(scope, item));
    const extra = { recursive: recursive ? "true" : undefined };
    return reply.send(listBody(request, endpoint(), "files", query, page, extra));
  }

  async function getFile(request: FastifyRequest, reply: FastifyReply, scope: FileScope) {
    const name = filePathOf(request);
    const range = parseRange(request.headers["ocp-range"]);
    const content = await account.nodes.readFile(
      scope.poolId,
      scope.nodeId,
      join(scope.directory, name),
      range,
    );
    setFileHeaders(reply, scope, name, content.file);
    if (content.range)
      reply.header(
        "Content-Range",
        `bytes ${content.range.start}-${content.range.end}/${content.file.contentLength}`,
      );
    return reply.status(200).header("content-type", "application/octet-stream").send(content.data);
  }

  async function fileProperties(request: FastifyRequest, reply: FastifyReply, scope: FileScope) {
    const name = filePathOf(request);
    const file = await account.nodes.statFile(scope.poolId, scope.nodeId, join(scope.directory, name));
    setFileHeaders(reply, scope, name, file);
    // fastify would replace a HEAD's content-length with 0 for an empty send; the file's size is the point.
    reply.raw.setHeader("content-length", String(file.isDirectory ? 0 : file.contentLength));
    return reply.status(200).header("content-type", "application/octet-stream").send();
  }
}

function nodeFileView(scope: FileScope, entry: FileEntry): NodeFile {
  const file: NodeFile = {
    name: entry.name,
    url: `${scope.filesUrl}/${entry.name}`,
    isDirectory: entry.isDirectory,
  };
  if (!entry.isDirectory) {
    file.properties = {
      creationTime: entry.creationTime,
      lastModified: entry.lastModified,
      contentLength: entry.contentLength,
      contentType: "application/octet-stream",
      fileMode: entry.fileMode,
    };
  }
  return file;
}

function setFileHeaders(reply: FastifyReply, scope: FileScope, name: string, file: FileEntry): void {
  reply
    .header("ocp-creation-time", httpDate(file.creationTime))
    .header("ocp-batch-file-isdirectory", String(file.isDirectory))
    .header("ocp-batch-file-url", `${scope.filesUrl}/${name}`)
    .header("ocp-batch-file-mode", file.fileMode)
    .header("Last-Modified", httpDate(file.lastModified));
}

/**
 * The `{filePath}` of the route. The client sends it as one %-encoded segment (`wd%2Fout.txt`); the
 * router has decoded it already, so decoding again would misread names that contain `%`.
 */
function filePathOf(request: FastifyRequest): string {
  const name = (request.params as { "*"?: string })["*"] ?? "";
  if (name === "")
    throw new BatchError("MissingRequiredProperty", "Give the file path after /files/.", [
      { key: "PropertyName", value: "filePath" },
    ]);
  return name;
}

function join(directory: string, name: string): string {
  return directory === "" ? name : `${directory}/${name}`;
}

/** `ocp-range: bytes=start-end` (inclusive; `end` optional). */
export function parseRange(
  header: string | string[] | undefined,
): { start: number; end?: number } | undefined {
  const text = Array.isArray(header) ? header[0] : header;
  if (text === undefined || text.trim() === "") return undefined;
  const match = /^\s*bytes=(\d+)-(\d*)\s*$/.exec(text);
  const start = match ? Number(match[1]) : Number.NaN;
  const end = match?.[2] ? Number(match[2]) : undefined;
  if (!match || (end !== undefined && end < start)) {
    throw new BatchError(
      "InvalidHeaderValue",
      `ocp-range '${text}' must look like bytes=start-end (inclusive, end optional).`,
      [
        { key: "HeaderName", value: "ocp-range" },
        { key: "HeaderValue", value: text },
      ],
    );
  }
  return { start, end };
}
