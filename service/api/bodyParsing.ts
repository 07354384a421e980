/**
 * Request bodies. `@azure/batch` sends `Content-Type: application/json; odata=minimalmetadata;
 * charset=utf-8` on every request, also with an empty body (stopresize, terminate, DELETE), so an
 * empty body is `undefined`, never an error; malformed JSON is `InvalidRequestBody`. A non-empty body
 * of another content type is refused with `InvalidHeaderValue`.
 */
import type { FastifyInstance } from "fastify";
import { BatchError } from "../../protocol/errors.js";

export function registerBodyParsing(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();

  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
    const text = (body as string).trim();
    if (text === "") return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      done(
        new BatchError("InvalidRequestBody", `The body is not valid JSON (${reason}).`, [
          { key: "Reason", value: reason },
        ]),
        undefined,
      );
    }
  });

  app.addContentTypeParser("*", { parseAs: "string" }, (request, body, done) => {
    if ((body as string) === "") return done(null, undefined);
    const contentType = String(request.headers["content-type"] ?? "");
    done(
      new BatchError(
        "InvalidHeaderValue",
        `Send the body as application/json, not '${contentType || "(no Content-Type)"}'.`,
        [
          { key: "HeaderName", value: "Content-Type" },
          { key: "HeaderValue", value: contentType },
        ],
      ),
      undefined,
    );
  });
}
