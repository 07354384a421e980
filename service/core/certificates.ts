/**
 * Certificates of the account: add (checked: the data is a certificate of its format, a pfx opens
 * with its password, and the thumbprint is the certificate's), get, list, delete and cancel a
 * deletion; the references pools make to them, and the material a pool's nodes install.
 *
 * Deleting: a certificate referenced by an active pool is refused (`PoolsReferencingCertificate`,
 * naming the pools), where Azure would accept the request and end in `deletefailed`. Otherwise it
 * turns `deleting` and is removed at once, or — when pools being deleted still reference it (their
 * nodes hold it) — once the last of them is gone. A deletion still waiting can be cancelled.
 */
import type { NodeCertificate } from "../../protocol/agent.js";
import {
  CertificateDataError,
  normalizeThumbprint,
  openPfx,
  readCer,
  thumbprintOf,
} from "../../protocol/certificateData.js";
import { BatchError } from "../../protocol/errors.js";
import type { CertificateAddParameter, CertificateReference } from "../../protocol/rest/certificate.js";
import type { CertificateFormat } from "../../protocol/states.js";
import type { Account } from "./account.js";
import type { CertificateRecord, PoolRecord } from "./records.js";
import { moveCertificate } from "./stateChange.js";
import { now } from "./time.js";

const SHA1_THUMBPRINT = /^[0-9a-f]{40}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export class CertificateCommands {
  constructor(private readonly account: Account) {}

  /** Checks and stores a certificate; async because a pfx is opened with openssl. */
  async add(parameter: CertificateAddParameter): Promise<CertificateRecord> {
    const thumbprint = normalizeThumbprint(parameter.thumbprint);
    if (!SHA1_THUMBPRINT.test(thumbprint))
      throw propertyError(
        "thumbprint",
        `a SHA-1 thumbprint is 40 hex digits; '${parameter.thumbprint}' has ${thumbprint.length}.`,
        parameter.thumbprint,
      );
    this.refuseDuplicate(thumbprint);
    const format: CertificateFormat = parameter.certificateFormat ?? "pfx";
    const publicData = await checkedPublicData(parameter, format, thumbprint);
    // Another add of the same certificate may have finished while openssl ran.
    this.refuseDuplicate(thumbprint);
    const { store } = this.account;
    const at = now();
    const record: CertificateRecord = {
      seq: store.nextSeq("certificates"),
      version: 1,
      creationTime: at,
      lastModified: at,
      state: "active",
      stateTransitionTime: at,
      thumbprint,
      thumbprintAlgorithm: "sha1",
      format,
      data: parameter.data.replace(/\s+/g, ""),
      password: format === "pfx" ? parameter.password : undefined,
      publicData,
    };
    store.putCertificate(record);
    return record;
  }

  get(thumbprintAlgorithm: string, thumbprint: string): CertificateRecord {
    const normalized = normalizeThumbprint(thumbprint);
    const certificate =
      thumbprintAlgorithm.toLowerCase() === "sha1"
        ? this.account.store.getCertificate(normalized)
        : undefined;
    if (!certificate)
      throw new BatchError(
        "CertificateNotFound",
        `Thumbprint: ${thumbprintAlgorithm}-${thumbprint} (certificates are keyed by their sha1 thumbprint).`,
      );
    return certificate;
  }

  delete(thumbprintAlgorithm: string, thumbprint: string): void {
    const certificate = this.get(thumbprintAlgorithm, thumbprint);
    if (certificate.state === "deleting") return;
    const active = this.referencingPools(certificate.thumbprint).filter((pool) => pool.state === "active");
    if (active.length > 0) {
      const ids = active.map((pool) => pool.id);
      throw new BatchError(
        "PoolsReferencingCertificate",
        `Certificate sha1-${certificate.thumbprint} is referenced by pool${ids.length === 1 ? "" : "s"} ${ids.join(", ")}: delete ${ids.length === 1 ? "that pool" : "those pools"} (a pool's certificate references cannot be changed) before deleting the certificate.`,
        [{ key: "Pools", value: ids.join(",") }],
      );
    }
    moveCertificate(certificate, "deleting");
    this.account.store.putCertificate(certificate);
    this.removeDeleted();
  }

  cancelDeletion(thumbprintAlgorithm: string, thumbprint: string): void {
    const certificate = this.get(thumbprintAlgorithm, thumbprint);
    if (certificate.state === "active")
      throw new BatchError("CertificateStateActive", `Thumbprint: sha1-${certificate.thumbprint}.`);
    moveCertificate(certificate, "active");
    this.account.store.putCertificate(certificate);
  }

  /** Removes the certificates being deleted that no pool references any more (called as pools go). */
  removeDeleted(): void {
    const { store } = this.account;
    const deleting = store.listCertificates({ state: "deleting", limit: Number.MAX_SAFE_INTEGER });
    for (const certificate of deleting)
      if (this.referencingPools(certificate.thumbprint).length === 0)
        store.deleteCertificate(certificate.thumbprint);
  }

  /** A pool may reference only certificates the account has and is not deleting. */
  checkReferences(references: readonly CertificateReference[] | undefined): void {
    const missing: string[] = [];
    for (const reference of references ?? []) {
      const thumbprint = normalizeThumbprint(reference.thumbprint);
      const certificate = this.account.store.getCertificate(thumbprint);
      if (!certificate) missing.push(thumbprint);
      else if (certificate.state !== "active")
        throw new BatchError(
          "CertificateBeingDeleted",
          `The pool references certificate sha1-${thumbprint}, which is ${certificate.state}; cancel its deletion or reference another.`,
        );
    }
    if (missing.length > 0)
      throw new BatchError(
        "InvalidCertificateReferences",
        `Not in the account: ${missing.map((t) => `sha1-${t}`).join(", ")}.`,
        missing.map((t) => ({ key: "Thumbprint", value: t })),
      );
  }

  /** What a node of `pool` installs: the certificates its pool references, secrets included. */
  forNode(pool: PoolRecord): NodeCertificate[] {
    const thumbprints = new Set(
      (pool.spec.certificateReferences ?? []).map((reference) => normalizeThumbprint(reference.thumbprint)),
    );
    return [...thumbprints].flatMap((thumbprint) => {
      const certificate = this.account.store.getCertificate(thumbprint);
      if (!certificate) return [];
      return [
        {
          thumbprint,
          thumbprintAlgorithm: "sha1",
          certificateFormat: certificate.format,
          data: certificate.data,
          password: certificate.password,
        },
      ];
    });
  }

  private referencingPools(thumbprint: string): PoolRecord[] {
    return this.account.pools
      .all()
      .filter((pool) =>
        (pool.spec.certificateReferences ?? []).some(
          (reference) => normalizeThumbprint(reference.thumbprint) === thumbprint,
        ),
      );
  }

  private refuseDuplicate(thumbprint: string): void {
    const existing = this.account.store.getCertificate(thumbprint);
    if (existing?.state === "deleting")
      throw new BatchError(
        "CertificateBeingDeleted",
        `Certificate sha1-${thumbprint} is being deleted; add it again once it is gone, or cancel the deletion.`,
      );
    if (existing) throw new BatchError("CertificateExists", `Thumbprint: sha1-${thumbprint}.`);
  }
}

/**
 * The certificate's public part (DER, base64) once the data has been checked against its format,
 * password and thumbprint; a BatchError naming the property at fault otherwise.
 */
async function checkedPublicData(
  parameter: CertificateAddParameter,
  format: CertificateFormat,
  thumbprint: string,
): Promise<string> {
  const text = parameter.data.replace(/\s+/g, "");
  const data = Buffer.from(text, "base64");
  if (!BASE64.test(text) || data.length === 0)
    throw propertyError("data", "it is not base64: send the certificate file's bytes base64-encoded.");
  let computed: string;
  let der: Buffer;
  try {
    if (format === "cer") {
      if (parameter.password !== undefined)
        throw propertyError("password", "a cer certificate has no private key: omit the password.");
      const certificate = readCer(data);
      [computed, der] = [thumbprintOf(certificate), certificate.raw];
    } else {
      if (parameter.password === undefined)
        throw new BatchError(
          "MissingRequiredProperty",
          "A pfx certificate needs the password it was exported with: add 'password'.",
          [{ key: "PropertyName", value: "password" }],
        );
      const { certificate } = await openPfx(data, parameter.password);
      [computed, der] = [thumbprintOf(certificate), certificate.raw];
    }
  } catch (error) {
    if (!(error instanceof CertificateDataError)) throw error;
    if (error.reason === "password")
      throw propertyError(
        "password",
        "it does not open the pfx; give the password the pfx was exported with.",
      );
    if (error.reason === "tool") throw new BatchError("UnsupportedOperation", error.message);
    throw propertyError(
      "data",
      `${error.message}; check certificateFormat (${format}) and that data is the whole file, base64.`,
    );
  }
  if (computed !== thumbprint)
    throw propertyError(
      "thumbprint",
      `the certificate's sha1 thumbprint is ${computed}, not ${thumbprint}; give its thumbprint (or the right file).`,
      parameter.thumbprint,
    );
  return der.toString("base64");
}

/** InvalidPropertyValue that echoes the value only when it is not a secret or a whole file. */
function propertyError(path: string, reason: string, value?: string): BatchError {
  return new BatchError("InvalidPropertyValue", `The value of '${path}' is not valid: ${reason}`, [
    { key: "PropertyName", value: path },
    ...(value === undefined ? [] : [{ key: "PropertyValue", value }]),
    { key: "Reason", value: reason },
  ]);
}
