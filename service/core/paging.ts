/** The `$skiptoken` cursor of list pages: the `seq` of the last record returned, opaque to clients. */
import { BatchError } from "../../protocol/errors.js";

export function encodeSkipToken(seq: number): string {
  return Buffer.from(`seq:${seq}`).toString("base64url");
}

export function decodeSkipToken(token: string | undefined): number | undefined {
  if (token === undefined) return undefined;
  const text = Buffer.from(token, "base64url").toString();
  const m = /^seq:(\d+)$/.exec(text);
  if (!m)
    throw new BatchError(
      "InvalidQueryParameterValue",
      `$skiptoken '${token}' is not a token this service issued.`,
    );
  return Number(m[1]);
}
