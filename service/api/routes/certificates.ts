/**
 * `/certificates`: add, list, get, delete, cancel a deletion. A certificate's address is Azure's
 * `/certificates(thumbprintAlgorithm=sha1,thumbprint=<hex>)`, an OData key in the path segment itself.
 */
import type { FastifyInstance } from "fastify";
import { BatchError } from "../../../protocol/errors.js";
import { Certificate, CertificateAddParameter } from "../../../protocol/rest/certificate.js";
import type { CertificateRecord } from "../../core/records.js";
import { certificateUrl, certificateView, eTag } from "../../core/views.js";
import { fillPage, listBody, readListQuery, readSelect } from "../listing.js";
import { applySelect } from "../odata.js";
import { sendCreated, sendEmpty, sendJson } from "../responses.js";
import type { RouteContext } from "../routeContext.js";
import { bodyValidator } from "../validation.js";

/** `key` is the rest of the segment after `certificates`: `(thumbprintAlgorithm=sha1,thumbprint=...)`. */
type KeyParams = { Params: { key: string } };

const validateAdd = bodyValidator(CertificateAddParameter, "CertificateAddParameter");

const KEY = /^\(thumbprintAlgorithm=([^,()]+),thumbprint=([^,()]+)\)$/i;

/** The algorithm and thumbprint of a certificate's key segment. */
function parseKey(key: string): { algorithm: string; thumbprint: string } {
  const match = KEY.exec(decodeURIComponent(key));
  if (!match)
    throw new BatchError(
      "OperationNotFound",
      `/certificates${key} is not a certificate's address; use /certificates(thumbprintAlgorithm=sha1,thumbprint=<hex>).`,
    );
  return { algorithm: match[1]!, thumbprint: match[2]! };
}

export function certificateRoutes(app: FastifyInstance, { account, endpoint }: RouteContext): void {
  const { store } = account;
  const commands = account.certificates;
  const headersOf = (certificate: CertificateRecord) => ({
    eTag: eTag(certificate.version),
    lastModified: certificate.lastModified,
    url: certificateUrl(endpoint(), certificate.thumbprint),
  });
  const find = (key: string) => {
    const { algorithm, thumbprint } = parseKey(key);
    return commands.get(algorithm, thumbprint);
  };

  app.post("/certificates", async (request, reply) => {
    const certificate = await commands.add(validateAdd(request.body));
    await store.flush();
    return sendCreated(reply, headersOf(certificate));
  });

  app.get("/certificates", async (request, reply) => {
    const query = readListQuery(request, Certificate);
    const page = fillPage(
      query,
      (afterSeq, limit) => store.listCertificates({ afterSeq, limit, state: query.state }),
      (certificate) => certificateView(endpoint(), certificate),
    );
    return sendJson(reply, listBody(request, endpoint(), "certificates", query, page));
  });

  app.get<KeyParams>("/certificates:key", async (request, reply) => {
    const select = readSelect(request, Certificate);
    const certificate = find(request.params.key);
    const body = {
      "odata.metadata": `${endpoint()}/$metadata#certificates/@Element`,
      ...applySelect(certificateView(endpoint(), certificate), select),
    };
    return sendJson(reply, body, headersOf(certificate));
  });

  app.delete<KeyParams>("/certificates:key", async (request, reply) => {
    const { algorithm, thumbprint } = parseKey(request.params.key);
    commands.delete(algorithm, thumbprint);
    await store.flush();
    return sendEmpty(reply, 202);
  });

  app.post<KeyParams>("/certificates:key/canceldelete", async (request, reply) => {
    const { algorithm, thumbprint } = parseKey(request.params.key);
    commands.cancelDeletion(algorithm, thumbprint);
    await store.flush();
    return sendEmpty(reply, 204, headersOf(find(request.params.key)));
  });
}
