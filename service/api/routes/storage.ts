/**
 * The account's file store over HTTP, an Azure-Blob-compatible subset under `/openbatch/storage`:
 * List Blobs (`GET /{container}?restype=container&comp=list&prefix=&marker=&maxresults=`, XML), Get
 * Blob, Put Blob (`x-ms-blob-type: BlockBlob`) and Delete Blob (`/{container}/{blob name}`).
 *
 * Two ways in: SharedKey, as for every Batch operation (users, `openbatch storage`), or a container
 * token in the query string (protocol/storageToken.ts) — what a dispatched task's agent gets for
 * `autoStorageContainerName` and `destination.autoStorage`, so it needs no key and one Blob client.
 * Errors are Azure Batch error bodies; Blob clients read their `code`.
 */
import { Readable } from "node:stream";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { renderBlobList } from "../../../protocol/blobList.js";
import { BatchError } from "../../../protocol/errors.js";
import { STORAGE_PATH, type StoragePermission } from "../../../protocol/storageToken.js";
import { AccountStore, MAX_LIST_RESULTS } from "../../storage/accountStore.js";
import { verifyKeyOrToken } from "../auth.js";
import { httpDate } from "../responses.js";
import type { RouteContext } from "../routeContext.js";

type ContainerRoute = { Params: { container: string }; Querystring: Record<string, string | undefined> };
type BlobRoute = {
  Params: { container: string; "*": string };
  Querystring: Record<string, string | undefined>;
};

export function storageRoutes(app: FastifyInstance, { account, endpoint }: RouteContext): void {
  const store = new AccountStore(account.config.storageDirectory);

  /** SharedKey, or a token for this container that grants `needed`. */
  const authorize = (request: FastifyRequest, container: string, needed: StoragePermission) =>
    verifyKeyOrToken(request, account.config, container, needed);

  // Blob bodies are bytes of any type, streamed to disk: this scope reads no body itself.
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", (_request, payload, done) => done(null, payload));
    const open = { config: { openbatchPublic: true } };

    scope.get<ContainerRoute>(`${STORAGE_PATH}/:container`, open, async (request, reply) => {
      const { container } = request.params;
      const { restype, comp, prefix = "", marker = "", maxresults } = request.query;
      if (restype !== "container" || comp !== "list") {
        throw new BatchError(
          "InvalidQueryParameterValue",
          "List a container with ?restype=container&comp=list.",
          [{ key: "QueryParameterName", value: "comp" }],
        );
      }
      const maxResults = maxresults === undefined ? MAX_LIST_RESULTS : Number(maxresults);
      if (!Number.isInteger(maxResults) || maxResults < 1) {
        throw new BatchError(
          "InvalidQueryParameterValue",
          `maxresults must be a positive integer, not '${maxresults}'.`,
          [{ key: "QueryParameterName", value: "maxresults" }],
        );
      }
      authorize(request, container, "l");
      const page = await store.list(container, { prefix, marker, maxResults });
      const xml = renderBlobList(
        `${endpoint()}${STORAGE_PATH}/${container}`,
        { prefix, marker, maxResults },
        page,
      );
      return reply.status(200).header("content-type", "application/xml").send(xml);
    });

    scope.get<BlobRoute>(`${STORAGE_PATH}/:container/*`, open, async (request, reply) => {
      const { container, "*": blob } = request.params;
      authorize(request, container, "r");
      const content = await store.get(container, blob);
      return reply
        .status(200)
        .header("content-type", "application/octet-stream")
        .header("content-length", content.contentLength)
        .header("last-modified", httpDate(content.lastModified.toISOString()))
        .header("x-ms-blob-type", "BlockBlob")
        .send(content.stream);
    });

    scope.put<BlobRoute>(`${STORAGE_PATH}/:container/*`, open, async (request, reply) => {
      const { container, "*": blob } = request.params;
      authorize(request, container, "w");
      const blobType = request.headers["x-ms-blob-type"];
      if (blobType !== "BlockBlob") {
        throw new BatchError(
          "InvalidHeaderValue",
          "Send x-ms-blob-type: BlockBlob; the store keeps block blobs only.",
          [
            { key: "HeaderName", value: "x-ms-blob-type" },
            { key: "HeaderValue", value: String(blobType ?? "") },
          ],
        );
      }
      // An empty body never reaches the parser.
      await store.put(container, blob, (request.body as Readable | undefined) ?? Readable.from([]));
      return reply.status(201).header("x-ms-request-server-encrypted", "false").send();
    });

    scope.delete<BlobRoute>(`${STORAGE_PATH}/:container/*`, open, async (request, reply) => {
      const { container, "*": blob } = request.params;
      authorize(request, container, "d");
      await store.delete(container, blob);
      return reply.status(202).send();
    });
  });
}
