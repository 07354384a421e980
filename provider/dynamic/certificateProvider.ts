/**
 * The implementation behind `Certificate` (certificate.ts), loaded inside the dynamic-provider plugin.
 * The id is the thumbprint, computed from the data at check as the service and the CLI compute it
 * (protocol/certificateData.ts). Every change but the connection replaces the certificate.
 */
import type * as pulumi from "@pulumi/pulumi";
import {
  CertificateDataError,
  normalizeThumbprint,
  openPfx,
  readCer,
  thumbprintOf,
} from "../../protocol/certificateData.js";
import type { Certificate } from "../../protocol/rest/certificate.js";
import type { CertificateInputs, CertificateOutputs } from "./certificate.js";
import { clientFor, connectionFailures, connectionOf, unlessGone } from "./connection.js";
import { until } from "./polling.js";
import { type ChangeTable, diffByTable, isKnownString, withoutUndefined } from "./propertyDiff.js";

const changeEffects: ChangeTable<CertificateInputs> = {
  thumbprint: "replace",
  data: "replace",
  password: "replace",
  certificateFormat: "replace",
  accountName: "replace",
  endpoint: "update",
  accountKey: "update",
};

/** The thumbprint of the data, or why it cannot be read. */
async function thumbprintOfData(inputs: CertificateInputs): Promise<string | CertificateDataError> {
  try {
    const data = Buffer.from(inputs.data, "base64");
    const certificate =
      inputs.certificateFormat === "cer"
        ? readCer(data)
        : (await openPfx(data, inputs.password ?? "")).certificate;
    return thumbprintOf(certificate);
  } catch (error) {
    if (error instanceof CertificateDataError) return error;
    throw error;
  }
}

class CertificateProvider implements pulumi.dynamic.ResourceProvider<CertificateInputs, CertificateOutputs> {
  /** Fills in the thumbprint from the data; the messages never quote the data or the password. */
  async check(
    _olds: CertificateInputs,
    news: CertificateInputs,
  ): Promise<pulumi.dynamic.CheckResult<CertificateInputs>> {
    const inputs = withoutUndefined({ ...news, certificateFormat: news.certificateFormat ?? "pfx" });
    const failures = connectionFailures(inputs);
    if (inputs.certificateFormat !== "pfx" && inputs.certificateFormat !== "cer")
      failures.push({
        property: "certificateFormat",
        reason: `certificateFormat '${inputs.certificateFormat}' must be pfx (certificate and private key) or cer (certificate only).`,
      });
    else if (isKnownString(inputs.data)) {
      const computed = await thumbprintOfData(inputs);
      if (computed instanceof CertificateDataError) {
        failures.push({
          property: computed.reason === "password" ? "password" : "data",
          reason: `${computed.message}: give data as the base64 of the ${inputs.certificateFormat} file${inputs.certificateFormat === "pfx" ? " and the password it was exported with" : ""}.`,
        });
      } else if (isKnownString(inputs.thumbprint) && normalizeThumbprint(inputs.thumbprint) !== computed) {
        failures.push({
          property: "thumbprint",
          reason: `thumbprint ${inputs.thumbprint} does not match the data's SHA-1 thumbprint ${computed}: leave thumbprint out (it is computed) or fix it.`,
        });
      } else inputs.thumbprint = computed;
    } else if (inputs.data === undefined || inputs.data === "")
      failures.push({ property: "data", reason: "data is required: the certificate file, base64." });
    return { inputs, failures };
  }

  /**
   * Everything replaces. An imported certificate has no data in its state (the service never returns
   * it): then the thumbprint alone says whether the program declares the same certificate.
   */
  async diff(
    _id: string,
    olds: CertificateOutputs,
    news: CertificateInputs,
  ): Promise<pulumi.dynamic.DiffResult> {
    const comparable = olds.data === undefined ? { ...news, data: undefined, password: undefined } : news;
    const diff = diffByTable(olds, comparable, changeEffects);
    // A certificate with the same thumbprint cannot exist twice: delete the old one first then.
    return { ...diff, deleteBeforeReplace: diff.replaces!.length > 0 && olds.thumbprint === news.thumbprint };
  }

  async create(inputs: CertificateInputs): Promise<pulumi.dynamic.CreateResult<CertificateOutputs>> {
    const client = clientFor(inputs);
    await client.certificates.add(
      withoutUndefined({
        thumbprint: inputs.thumbprint,
        thumbprintAlgorithm: "sha1",
        data: inputs.data,
        certificateFormat: inputs.certificateFormat,
        password: inputs.certificateFormat === "pfx" ? (inputs.password ?? "") : undefined,
      }),
    );
    return { id: inputs.thumbprint, outs: outputs(inputs, await client.certificates.get(inputs.thumbprint)) };
  }

  /** Only the connection changes in place (a certificate itself is immutable). */
  async update(_id: string, olds: CertificateOutputs, news: CertificateInputs) {
    return { outs: { ...olds, ...news } };
  }

  /** No id when the certificate is gone or being deleted. An import reads the public part only. */
  async read(id: string, props?: CertificateOutputs): Promise<pulumi.dynamic.ReadResult> {
    const client = clientFor(props);
    const answer = await unlessGone(client.certificates.get(id), "CertificateNotFound");
    if (!answer.found || answer.value.state === "deleting") return {};
    const inputs: CertificateInputs = withoutUndefined({
      ...connectionOf(client, props),
      thumbprint: answer.value.thumbprint,
      data: props?.data as string,
      password: props?.password,
      certificateFormat: props?.certificateFormat ?? "pfx",
    });
    return { id, props: outputs(inputs, answer.value), inputs };
  }

  /**
   * Returns once the certificate is gone. While a pool references it the service refuses
   * (PoolsReferencingCertificate) and that error is the answer; while pools being deleted still
   * reference it, it waits in `deleting`.
   */
  async delete(id: string, props: CertificateOutputs): Promise<void> {
    const client = clientFor(props);
    if (!(await unlessGone(client.certificates.delete(id), "CertificateNotFound")).found) return;
    await until(
      `Certificate ${id} is still being deleted after 5 minutes (pools being deleted still reference it).`,
      5 * 60_000,
      async () => !(await unlessGone(client.certificates.get(id), "CertificateNotFound")).found,
    );
  }
}

function outputs(inputs: CertificateInputs, certificate: Certificate): CertificateOutputs {
  return {
    ...inputs,
    thumbprintAlgorithm: certificate.thumbprintAlgorithm,
    publicData: certificate.publicData,
  };
}

export const provider = new CertificateProvider();
