/**
 * An S3-compatible bucket as an output file destination (an OpenBatch extension): PutObject of one
 * file, signed with AWS Signature Version 4 over the file's SHA-256 (read once to hash it, once to
 * send it, so any S3-compatible server accepts it). With an `endpoint` requests are path-style
 * (`<endpoint>/<bucket>/<key>`, what self-hosted servers expect); without one they go to AWS,
 * virtual-hosted style (`https://<bucket>.s3.<region>.amazonaws.com/<key>`).
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import type { OutputFileS3Destination } from "../protocol/rest/taskFiles.js";
import { awsUriEncode, signV4 } from "./awsSignatureV4.js";
import { displayUrl, putFile } from "./httpTransfer.js";

const DEFAULT_REGION = "us-east-1";

export class S3Bucket {
  constructor(private readonly destination: OutputFileS3Destination) {}

  get #region(): string {
    return this.destination.region ?? DEFAULT_REGION;
  }

  objectUrl(key: string): URL {
    const encodedKey = key.split("/").map(awsUriEncode).join("/");
    const { endpoint, bucket } = this.destination;
    if (endpoint === undefined)
      return new URL(`https://${bucket}.s3.${this.#region}.amazonaws.com/${encodedKey}`);
    return new URL(`${endpoint.replace(/\/+$/, "")}/${awsUriEncode(bucket)}/${encodedKey}`);
  }

  describe(key: string): string {
    return displayUrl(this.objectUrl(key));
  }

  async upload(key: string, path: string): Promise<void> {
    const { accessKeyId, secretAccessKey, sessionToken } = this.destination.credentials;
    const payloadHash = await fileSha256(path);
    const url = this.objectUrl(key);
    const headers = signV4({
      method: "PUT",
      url,
      headers: { "x-amz-content-sha256": payloadHash },
      payloadHash,
      region: this.#region,
      service: "s3",
      // The service refuses an S3 destination without a secret when the task is added.
      credentials: { accessKeyId, secretAccessKey: secretAccessKey ?? "", sessionToken },
      date: new Date(),
    });
    await putFile(url, path, { ...headers, "content-type": "application/octet-stream" });
  }
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
