/**
 * Container URLs for the account's file store, shaped like Azure's container SAS: the query string
 * `sr=c&sp=<permissions>&se=<expiry>&sig=<signature>` grants `sp` on one container until `se`, without
 * the account key. The signature is HMAC-SHA256, keyed with the account key, of the account, the
 * container, the permissions and the expiry, so anyone holding the key (the service when it dispatches a
 * task, a client for `openbatch storage url`) can mint one and only the service's key verifies it.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** `r` read a blob, `l` list the container, `w` write a blob, `d` delete a blob. */
export type StoragePermission = "r" | "l" | "w" | "d";

export const STORAGE_PATH = "/openbatch/storage";

export interface ContainerGrant {
  accountName: string;
  container: string;
  permissions: string;
  /** ISO 8601. */
  expiresOn: string;
}

function signature(accountKey: string, grant: ContainerGrant): string {
  const text = [
    "openbatch-storage",
    grant.accountName,
    grant.container,
    grant.permissions,
    grant.expiresOn,
  ].join("\n");
  return createHmac("sha256", Buffer.from(accountKey, "base64")).update(text, "utf8").digest("base64");
}

/** The query string (without `?`) that grants `grant`. */
export function containerToken(accountKey: string, grant: ContainerGrant): string {
  const query = new URLSearchParams({
    sr: "c",
    sp: grant.permissions,
    se: grant.expiresOn,
    sig: signature(accountKey, grant),
  });
  return query.toString();
}

/** `<endpoint>/openbatch/storage/<container>?<token>`: a container URL any Azure Blob client can use. */
export function containerUrl(endpoint: string, accountKey: string, grant: ContainerGrant): string {
  return `${endpoint.replace(/\/+$/, "")}${STORAGE_PATH}/${grant.container}?${containerToken(accountKey, grant)}`;
}

export type TokenVerdict = { ok: true } | { ok: false; reason: string };

/** Whether `query` (a request's decoded query parameters) grants `needed` on `container` now. */
export function verifyContainerToken(
  accountName: string,
  accountKey: string,
  container: string,
  query: Record<string, string | undefined>,
  needed: StoragePermission,
  now = new Date(),
): TokenVerdict {
  const { sr, sp, se, sig } = query;
  if (sr !== "c" || sp === undefined || se === undefined || sig === undefined)
    return {
      ok: false,
      reason: "the token needs sr=c, sp, se and sig; mint a container URL with `openbatch storage url`",
    };
  const expected = Buffer.from(
    signature(accountKey, { accountName, container, permissions: sp, expiresOn: se }),
  );
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return {
      ok: false,
      reason: `the token's signature does not match container '${container}' and this account's key`,
    };
  const expiry = Date.parse(se);
  if (!(expiry > now.getTime()))
    return { ok: false, reason: `the token expired at ${se}; mint a new container URL` };
  if (!sp.includes(needed))
    return { ok: false, reason: `the token grants '${sp}' but this operation needs '${needed}'` };
  return { ok: true };
}

/**
 * The download URL of an application package's archive, for agents: a token like a container's, for
 * the "container" `applications/<applicationId>` (no storage container can have that name, so neither
 * token opens the other), granting `r`.
 */
export function applicationPackageUrl(
  endpoint: string,
  accountKey: string,
  grant: { accountName: string; applicationId: string; version: string; expiresOn: string },
): string {
  const token = containerToken(accountKey, {
    accountName: grant.accountName,
    container: applicationTokenScope(grant.applicationId),
    permissions: "r",
    expiresOn: grant.expiresOn,
  });
  const path = `/openbatch/applications/${encodeURIComponent(grant.applicationId)}/versions/${encodeURIComponent(grant.version)}/content`;
  return `${endpoint.replace(/\/+$/, "")}${path}?${token}`;
}

/** What an application package token is signed for. */
export function applicationTokenScope(applicationId: string): string {
  return `applications/${applicationId}`;
}
