import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Azure Batch SharedKey authentication, reproduced from `@azure/batch` 10.2.0
 * (`BatchSharedKeyCredentials.signRequest`) so that the official client and ours are accepted alike.
 *
 * String to sign:
 *   VERB \n Content-Encoding \n Content-Language \n Content-Length \n Content-MD5 \n Content-Type \n
 *   Date \n If-Modified-Since \n If-Match \n If-None-Match \n If-Unmodified-Since \n Range \n
 *   ocp-* headers (lower-cased, sorted, "name:value\n" each)
 *   /<account><path as sent, still percent-encoded>
 *   \n<param>:<decoded value> for each query parameter, sorted by name
 */

export interface SignableRequest {
  method: string;
  /** The URL path exactly as sent on the wire: percent-encoded, without the query string. */
  path: string;
  /** Query parameters, already URL-decoded. For a repeated parameter the first value counts. */
  query: Record<string, string | string[] | undefined>;
  /** Header names in any case. */
  headers: Record<string, string | string[] | undefined>;
}

export type VerifyResult = { ok: true } | { ok: false; reason: string };

const standardHeaders = [
  "content-encoding",
  "content-language",
  "content-length",
  "content-md5",
  "content-type",
  "date",
  "if-modified-since",
  "if-match",
  "if-none-match",
  "if-unmodified-since",
  "range",
] as const;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function lowerCaseHeaders(headers: SignableRequest["headers"]): Map<string, string> {
  const result = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    result.set(name.toLowerCase(), Array.isArray(value) ? value.join(", ") : value);
  }
  return result;
}

/**
 * `@azure/batch` signs the body's byte length when it has a body, "0" for a POST without one, and
 * an empty line otherwise; a received `content-length: 0` therefore maps back to "0" or "".
 */
function contentLengthLine(method: string, contentLength: string | undefined): string {
  if (contentLength && contentLength !== "0") return contentLength;
  return method.toUpperCase() === "POST" ? "0" : "";
}

export function stringToSign(req: SignableRequest, accountName: string): string {
  const headers = lowerCaseHeaders(req.headers);
  headers.set("content-length", contentLengthLine(req.method, headers.get("content-length")));
  const lines = [req.method.toUpperCase(), ...standardHeaders.map((name) => headers.get(name) ?? "")];
  const ocpHeaders = [...headers.keys()].filter((name) => name.startsWith("ocp-")).sort();
  for (const name of ocpHeaders) {
    const value = headers.get(name);
    if (value) lines.push(`${name}:${value}`);
  }
  let resource = `/${accountName}${req.path || "/"}`;
  for (const name of Object.keys(req.query).sort()) {
    const value = firstValue(req.query[name]);
    if (value !== undefined) resource += `\n${name}:${value}`;
  }
  lines.push(resource);
  return lines.join("\n");
}

export function computeSignature(accountKeyBase64: string, stringToSign: string): string {
  return createHmac("sha256", Buffer.from(accountKeyBase64, "base64"))
    .update(stringToSign, "utf8")
    .digest("base64");
}

export function authorizationHeader(
  accountName: string,
  accountKeyBase64: string,
  req: SignableRequest,
): string {
  return `SharedKey ${accountName}:${computeSignature(accountKeyBase64, stringToSign(req, accountName))}`;
}

/**
 * Splits a raw request target (`/pools?$filter=...`) the way `@azure/batch` reads it when signing
 * (url-parse + querystringify): the path stays encoded, query names and values are decoded with `+`
 * as space, the first of repeated parameters wins, and undecodable pairs are skipped.
 */
export function signableRequest(
  method: string,
  url: string,
  headers: SignableRequest["headers"],
): SignableRequest {
  const queryStart = url.indexOf("?");
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  const query: Record<string, string> = {};
  if (queryStart !== -1) {
    for (const match of url.slice(queryStart + 1).matchAll(/([^=?#&]+)=?([^&]*)/g)) {
      const name = decodeQueryComponent(match[1]);
      const value = decodeQueryComponent(match[2]);
      if (name === undefined || value === undefined || Object.hasOwn(query, name)) continue;
      query[name] = value;
    }
  }
  return { method, path, query, headers };
}

function decodeQueryComponent(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return undefined;
  }
}

/** Checks `req.headers.authorization` against this account's name and key. */
export function verifyAuthorization(
  accountName: string,
  accountKeyBase64: string,
  req: SignableRequest,
): VerifyResult {
  if (!BASE64.test(accountKeyBase64)) {
    return { ok: false, reason: "the account key configured on the service is not valid base64" };
  }
  const header = lowerCaseHeaders(req.headers).get("authorization");
  if (!header) {
    return {
      ok: false,
      reason: "the Authorization header is missing; send 'SharedKey <account>:<signature>'",
    };
  }
  const match = /^SharedKey ([^:\s]+):(\S+)$/.exec(header.trim());
  if (!match) {
    return {
      ok: false,
      reason: "the Authorization header is not of the form 'SharedKey <account>:<signature>'",
    };
  }
  const [, signedAccount, signature] = match;
  // Account names are case-insensitive, but the client signs the name as it spelled it.
  if (signedAccount.toLowerCase() !== accountName.toLowerCase()) {
    return {
      ok: false,
      reason: `the request is signed for account '${signedAccount}', but this is account '${accountName}'`,
    };
  }
  const expectedStringToSign = stringToSign(req, signedAccount);
  const expected = Buffer.from(computeSignature(accountKeyBase64, expectedStringToSign));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return {
      ok: false,
      reason:
        "the signature does not match: check the account key, and that nothing signed was changed in transit. " +
        `The service signed this string: ${JSON.stringify(expectedStringToSign)}`,
    };
  }
  return { ok: true };
}
