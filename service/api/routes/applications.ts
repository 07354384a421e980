/**
 * Applications. The data plane has Azure's two read operations (`GET /applications`,
 * `GET /applications/{applicationId}`). Managing them is ARM's in Azure, so here it is an extension
 * under `/openbatch/applications`: the application's settings (JSON), and its versions, each uploaded
 * as the raw body of a PUT (a .tar.gz or .zip, streamed to disk and checked before it is kept).
 *
 * The archive's download (`.../content`) is for agents: it takes SharedKey or the token of the URL the
 * service gives a node (protocol/storageToken.ts `applicationPackageUrl`), so nodes need no key.
 */
import type { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { ID_REGEX } from "../../../protocol/apiVersion.js";
import { BatchError, invalidPropertyValue } from "../../../protocol/errors.js";
import {
  APPLICATION_VERSION_REGEX,
  ApplicationPutParameter,
  type PackageFormat,
} from "../../../protocol/rest/application.js";
import { applicationTokenScope } from "../../../protocol/storageToken.js";
import { applicationPackageView, applicationSummary, applicationView } from "../../core/applications.js";
import { verifyKeyOrToken } from "../auth.js";
import { sendEmpty, sendJson } from "../responses.js";
import type { RouteContext } from "../routeContext.js";
import { bodyValidator } from "../validation.js";

type AppParams = { Params: { applicationId: string } };
type VersionParams = { Params: { applicationId: string; version: string } };

const validatePut = bodyValidator(ApplicationPutParameter, "ApplicationPutParameter");

/** What the upload's Content-Type says the archive is; anything else is judged by its first bytes. */
const declaredFormats: Record<string, PackageFormat> = {
  "application/gzip": "tar.gz",
  "application/x-gzip": "tar.gz",
  "application/x-compressed-tar": "tar.gz",
  "application/zip": "zip",
  "application/x-zip-compressed": "zip",
};

export function applicationRoutes(app: FastifyInstance, { account, endpoint }: RouteContext): void {
  const { store, applications } = account;

  app.get("/applications", async (_request, reply) => {
    const value = applications
      .list()
      .map((application) => applicationSummary(application, store.listApplicationPackages(application.id)));
    return sendJson(reply, { "odata.metadata": `${endpoint()}/$metadata#applications`, value });
  });

  app.get<AppParams>("/applications/:applicationId", async (request, reply) => {
    const application = applications.get(request.params.applicationId);
    const summary = applicationSummary(application, store.listApplicationPackages(application.id));
    return sendJson(reply, { "odata.metadata": `${endpoint()}/$metadata#applications/@Element`, ...summary });
  });

  app.get("/openbatch/applications", async (_request, reply) =>
    sendJson(reply, { value: applications.list().map(applicationView) }),
  );

  app.put<AppParams>("/openbatch/applications/:applicationId", async (request, reply) => {
    const applicationId = checkedApplicationId(request.params.applicationId);
    const existed = store.getApplication(applicationId) !== undefined;
    const application = applications.put(applicationId, validatePut(request.body ?? {}));
    await store.flush();
    return reply.status(existed ? 200 : 201).send(applicationView(application));
  });

  app.patch<AppParams>("/openbatch/applications/:applicationId", async (request, reply) => {
    const application = applications.patch(request.params.applicationId, validatePut(request.body ?? {}));
    await store.flush();
    return sendJson(reply, applicationView(application));
  });

  app.get<AppParams>("/openbatch/applications/:applicationId", async (request, reply) =>
    sendJson(reply, applicationView(applications.get(request.params.applicationId))),
  );

  app.delete<AppParams>("/openbatch/applications/:applicationId", async (request, reply) => {
    await applications.delete(request.params.applicationId);
    await store.flush();
    return sendEmpty(reply, 204);
  });

  app.get<AppParams>("/openbatch/applications/:applicationId/versions", async (request, reply) =>
    sendJson(reply, {
      value: applications.listVersions(request.params.applicationId).map(applicationPackageView),
    }),
  );

  app.get<VersionParams>(
    "/openbatch/applications/:applicationId/versions/:version",
    async (request, reply) => {
      const { applicationId, version } = request.params;
      return sendJson(reply, applicationPackageView(applications.getVersion(applicationId, version)));
    },
  );

  app.delete<VersionParams>(
    "/openbatch/applications/:applicationId/versions/:version",
    async (request, reply) => {
      await applications.deleteVersion(request.params.applicationId, request.params.version);
      await store.flush();
      return sendEmpty(reply, 204);
    },
  );

  // Archives are bytes, streamed to disk: this scope reads no body itself.
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", (_request, payload, done) => done(null, payload));

    scope.put<VersionParams>(
      "/openbatch/applications/:applicationId/versions/:version",
      async (request, reply) => {
        const { applicationId, version } = request.params;
        checkedVersion(version);
        applications.get(applicationId);
        const body = request.body as Readable | undefined;
        if (!body)
          throw new BatchError(
            "InvalidApplicationPackage",
            "The request has no body: send the archive's bytes (a .tar.gz or .zip) as the body.",
          );
        const contentType = String(request.headers["content-type"] ?? "")
          .split(";")[0]!
          .trim()
          .toLowerCase();
        const existed = store.getApplicationPackage(applicationId, version) !== undefined;
        const archive = await applications.archives.receive(
          body,
          declaredFormats[contentType],
          `The package for version ${version} of application ${applicationId}`,
        );
        const pkg = await applications.putVersion(applicationId, version, archive);
        await store.flush();
        return reply.status(existed ? 200 : 201).send(applicationPackageView(pkg));
      },
    );

    scope.get<VersionParams>(
      "/openbatch/applications/:applicationId/versions/:version/content",
      { config: { openbatchPublic: true } },
      async (request, reply) => {
        const { applicationId, version } = request.params;
        verifyKeyOrToken(request, account.config, applicationTokenScope(applicationId), "r");
        const pkg = applications.getVersion(applicationId, version);
        const content = await applications.archives.read(applicationId, version, pkg.format);
        return reply
          .status(200)
          .header("content-type", pkg.format === "zip" ? "application/zip" : "application/gzip")
          .header("content-length", content.size)
          .header("x-ms-meta-sha256", pkg.sha256)
          .send(content.stream);
      },
    );
  });
}

function checkedApplicationId(applicationId: string): string {
  if (!ID_REGEX.test(applicationId))
    throw invalidPropertyValue(
      "applicationId",
      applicationId,
      "use 1 to 64 letters, digits, hyphens and underscores",
    );
  return applicationId;
}

function checkedVersion(version: string): string {
  if (!APPLICATION_VERSION_REGEX.test(version))
    throw invalidPropertyValue(
      "version",
      version,
      "use 1 to 64 letters, digits, '_', '-' and '.', not only dots",
    );
  return version;
}
