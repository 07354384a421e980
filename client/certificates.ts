import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { normalizeThumbprint, openPfx, readCer, thumbprintOf } from "../protocol/certificateData.js";
import type { Certificate, CertificateAddParameter } from "../protocol/rest/certificate.js";
import type { List } from "../protocol/rest/common.js";
import type { CertificateFormat } from "../protocol/states.js";
import { type BatchHttp, batchPath } from "./http.js";
import { type ListOptions, listAll, listPage, type PageOptions } from "./paging.js";

export interface CertificateFileOptions {
  /** For a pfx: the password it was exported with. */
  password?: string;
  /** `pfx` or `cer`; by default from the file's extension (`.cer`, `.crt`, `.pem` are cer; others pfx). */
  format?: CertificateFormat;
  /** By default computed from the file (a pfx needs its password and the `openssl` command for that). */
  thumbprint?: string;
}

/**
 * The body of `POST /certificates` for a certificate file: its bytes base64, its format, and its
 * SHA-1 thumbprint, computed from the file when not given.
 */
export async function certificateFromFile(
  path: string,
  options: CertificateFileOptions = {},
): Promise<CertificateAddParameter> {
  const data = readFileSync(path);
  const format = options.format ?? (/^\.(cer|crt|pem|der)$/i.test(extname(path)) ? "cer" : "pfx");
  let thumbprint = options.thumbprint;
  if (thumbprint === undefined) {
    const certificate =
      format === "cer" ? readCer(data) : (await openPfx(data, options.password ?? "")).certificate;
    thumbprint = thumbprintOf(certificate);
  }
  return {
    thumbprint: normalizeThumbprint(thumbprint),
    thumbprintAlgorithm: "sha1",
    data: data.toString("base64"),
    certificateFormat: format,
    ...(format === "pfx" ? { password: options.password ?? "" } : {}),
  };
}

/** Certificates of the account, installed on the nodes of the pools that reference them. */
export class CertificateOperations {
  constructor(private readonly http: BatchHttp) {}

  /** `POST /certificates` (201). See `certificateFromFile` to build the body from a file. */
  async add(certificate: CertificateAddParameter): Promise<void> {
    await this.http.send({ method: "POST", path: "/certificates", body: certificate });
  }

  /** `GET /certificates`, following `odata.nextLink` across pages. Data and passwords are never returned. */
  list(options?: ListOptions): AsyncGenerator<Certificate> {
    return listAll<Certificate>(this.http, "/certificates", options);
  }

  listPage(options?: PageOptions): Promise<List<Certificate>> {
    return listPage<Certificate>(this.http, "/certificates", options);
  }

  get(thumbprint: string, options: { select?: string } = {}): Promise<Certificate> {
    return this.http.json<Certificate>({
      method: "GET",
      path: certificatePath(thumbprint),
      query: { $select: options.select },
    });
  }

  /**
   * `DELETE /certificates(...)` (202). Refused with `PoolsReferencingCertificate` while an active pool
   * references it; waits in `deleting` while pools being deleted still do.
   */
  async delete(thumbprint: string): Promise<void> {
    await this.http.send({ method: "DELETE", path: certificatePath(thumbprint) });
  }

  /** `POST /certificates(...)/canceldelete` (204): a certificate still `deleting` becomes `active` again. */
  async cancelDeletion(thumbprint: string): Promise<void> {
    await this.http.send({ method: "POST", path: `${certificatePath(thumbprint)}/canceldelete` });
  }
}

function certificatePath(thumbprint: string): string {
  return batchPath`/certificates(thumbprintAlgorithm=sha1,thumbprint=${normalizeThumbprint(thumbprint)})`;
}
