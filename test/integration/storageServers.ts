/**
 * Real storage servers for the task files tests, each a child process on 127.0.0.1 with a free port
 * and a temporary directory, stopped (and the directory removed) after the suite:
 * - Azurite (npm `azurite`, the Azure Storage emulator), Blob service only; SAS tokens made with
 *   `@azure/storage-blob` and its well-known development account key.
 * - s3rver (npm `@20minutes/s3rver`, the maintained fork: the original `s3rver` 3.x does not check
 *   Signature Version 4), an S3-compatible server that refuses a request whose AWS Signature Version 4
 *   does not match (its credentials are S3RVER / S3RVER); anonymous requests are allowed, which the
 *   tests use to list.
 * - a node:http server of fixed files, for `httpUrl` resource files, counting what it serves.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import {
  BlobServiceClient,
  ContainerSASPermissions,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from "@azure/storage-blob";
import { afterAll, beforeAll } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");

/** Azurite's development account, documented by Microsoft. */
const AZURITE_ACCOUNT = "devstoreaccount1";
const AZURITE_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

interface Started {
  child: ChildProcess;
  directory: string;
  port: number;
}

/** Runs node with `args(directory)` in the project root, resolving once its output matches `ready` (whose group 1 is the port). */
async function startChild(name: string, args: (dir: string) => string[], ready: RegExp): Promise<Started> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), `openbatch-${name}-`));
  const child = spawn(process.execPath, args(directory), { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 30 s:\n${output}`)), 30_000);
    const read = (data: Buffer) => {
      output += data.toString();
      const match = ready.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on("data", read);
    child.stderr!.on("data", read);
    child.on("exit", (code) => reject(new Error(`${name} exited with ${code}:\n${output}`)));
  });
  return { child, directory, port };
}

async function stopChild(started: Started | undefined): Promise<void> {
  if (!started) return;
  if (started.child.exitCode === null && started.child.signalCode === null) {
    const exited = new Promise((resolve) => started.child.once("exit", resolve));
    started.child.kill("SIGKILL");
    await exited;
  }
  fs.rmSync(started.directory, { recursive: true, force: true });
}

export class Azurite {
  readonly blobs: BlobServiceClient;
  readonly #credential = new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY);

  constructor(readonly endpoint: string) {
    this.blobs = new BlobServiceClient(endpoint, this.#credential);
  }

  /** The container's URL with a SAS token granting `permissions` (e.g. "rl", "w") for an hour. */
  containerUrl(container: string, permissions: string): string {
    const sas = generateBlobSASQueryParameters(
      {
        containerName: container,
        permissions: ContainerSASPermissions.parse(permissions),
        expiresOn: new Date(Date.now() + 3600_000),
      },
      this.#credential,
    );
    return `${this.endpoint}/${container}?${sas.toString()}`;
  }

  async createContainer(container: string, blobs: Record<string, string> = {}): Promise<void> {
    const client = this.blobs.getContainerClient(container);
    await client.create();
    for (const [name, text] of Object.entries(blobs))
      await client.getBlockBlobClient(name).upload(text, text.length);
  }

  async blobNames(container: string): Promise<string[]> {
    const names: string[] = [];
    for await (const blob of this.blobs.getContainerClient(container).listBlobsFlat()) names.push(blob.name);
    return names.sort();
  }

  async text(container: string, name: string): Promise<string> {
    return (await this.blobs.getContainerClient(container).getBlobClient(name).downloadToBuffer()).toString();
  }
}

/** Azurite for the enclosing `describe`. */
export function azuriteForSuite(): { readonly server: Azurite } {
  let started: Started | undefined;
  let server: Azurite | undefined;
  beforeAll(async () => {
    started = await startChild(
      "azurite",
      (dir) => [
        "node_modules/azurite/dist/src/blob/main.js",
        "--blobHost",
        "127.0.0.1",
        "--blobPort",
        "0",
        "--location",
        dir,
        "--silent",
        "--skipApiVersionCheck",
        "--disableTelemetry",
      ],
      /successfully listens on http:\/\/127\.0\.0\.1:(\d+)/,
    );
    server = new Azurite(`http://127.0.0.1:${started.port}/${AZURITE_ACCOUNT}`);
  });
  afterAll(() => stopChild(started));
  return {
    get server() {
      if (!server) throw new Error("Azurite has not started");
      return server;
    },
  };
}

export class S3rver {
  constructor(readonly endpoint: string) {}

  /** Every key in `bucket` (an anonymous ListObjectsV2). */
  async keys(bucket: string): Promise<string[]> {
    const xml = await (await fetch(`${this.endpoint}/${bucket}?list-type=2`)).text();
    return [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]!).sort();
  }

  async text(bucket: string, key: string): Promise<string> {
    return (await fetch(`${this.endpoint}/${bucket}/${key}`)).text();
  }
}

/** The package ships no command; this starts it with `<directory> <bucket>...` from argv. */
const S3RVER_MAIN = `
const S3rver = require("@20minutes/s3rver");
const [directory, ...buckets] = process.argv.slice(1);
new S3rver({ address: "127.0.0.1", port: 0, directory, silent: true, configureBuckets: buckets.map((name) => ({ name, configs: [] })) })
  .run()
  .then(({ port }) => console.log("S3rver listening on 127.0.0.1:" + port));
`;

/** s3rver for the enclosing `describe`, with `buckets` created. */
export function s3rverForSuite(buckets: string[]): { readonly server: S3rver } {
  let started: Started | undefined;
  beforeAll(async () => {
    started = await startChild(
      "s3rver",
      (dir) => ["--eval", S3RVER_MAIN, dir, ...buckets],
      /S3rver listening on 127\.0\.0\.1:(\d+)/,
    );
  });
  afterAll(() => stopChild(started));
  return {
    get server() {
      if (!started) throw new Error("s3rver has not started");
      return new S3rver(`http://127.0.0.1:${started.port}`);
    },
  };
}

/** A node:http server of fixed files on 127.0.0.1; `requests` counts GETs per path. */
export function httpFilesForSuite(files: Record<string, string>): {
  readonly url: string;
  readonly requests: Map<string, number>;
} {
  const requests = new Map<string, number>();
  const server = http.createServer((request, response) => {
    const path = request.url ?? "/";
    requests.set(path, (requests.get(path) ?? 0) + 1);
    const body = files[path];
    response.writeHead(body === undefined ? 404 : 200, { "content-type": "application/octet-stream" });
    response.end(body ?? "not found");
  });
  beforeAll(() => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve)));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    get url() {
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    requests,
  };
}
