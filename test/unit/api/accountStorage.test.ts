/**
 * The account's file store over HTTP (`/openbatch/storage`): the client's SharedKey requests, container
 * URLs with tokens as an agent uses them (and what a token does not grant), and names that would leave
 * the store refused.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatchClient, type BatchRequestError, collect } from "../../../client/index.js";
import { parseBlobList } from "../../../protocol/blobList.js";
import { type ApiService, expectBatchError, signedFetch, startApi } from "./apiHarness.js";

describe("the account's file store", () => {
  let service: ApiService;
  let client: BatchClient;

  beforeAll(async () => {
    service = await startApi("storage");
    client = new BatchClient(service);
  });
  afterAll(() => service.dispose());

  it("uploads, lists, downloads and deletes blobs with SharedKey", async () => {
    await client.storage.upload("inputs", "a.txt", "alpha");
    await client.storage.upload("inputs", "dir/b c.txt", new Uint8Array([1, 2, 3]));
    await client.storage.upload("inputs", "empty", "");
    expect(fs.readFileSync(path.join(service.dataDir, "storage/inputs/dir/b c.txt"))).toEqual(
      Buffer.from([1, 2, 3]),
    );
    const all = await collect(client.storage.list("inputs"));
    expect(all.map((b) => [b.name, b.contentLength])).toEqual([
      ["a.txt", 5],
      ["dir/b c.txt", 3],
      ["empty", 0],
    ]);
    expect((await collect(client.storage.list("inputs", { prefix: "dir/" }))).map((b) => b.name)).toEqual([
      "dir/b c.txt",
    ]);
    expect((await client.storage.download("inputs", "a.txt")).toString()).toBe("alpha");
    await client.storage.delete("inputs", "dir/b c.txt");
    expect(fs.existsSync(path.join(service.dataDir, "storage/inputs/dir"))).toBe(false);
    const missing = await client.storage.download("inputs", "dir/b c.txt").catch((e: unknown) => e);
    expect((missing as BatchRequestError).code).toBe("BlobNotFound");
  });

  it("pages a listing with markers", async () => {
    for (const name of ["p1", "p2", "p3"]) await client.storage.upload("paged", name, name);
    const first = await fetch(
      `${client.storage.containerUrl("paged")}&restype=container&comp=list&maxresults=2`,
    );
    const page = parseBlobList(await first.text());
    expect(page.blobs.map((b) => b.name)).toEqual(["p1", "p2"]);
    expect(page.nextMarker).toBe("p2");
    const url = `${client.storage.containerUrl("paged")}&restype=container&comp=list&marker=${page.nextMarker}`;
    expect(parseBlobList(await (await fetch(url)).text())).toEqual({
      blobs: [expect.objectContaining({ name: "p3" })],
    });
  });

  it("serves a container URL's token for what it grants, on that container only, until it expires", async () => {
    await client.storage.upload("granted", "f.txt", "secret");
    const read = new URL(client.storage.containerUrl("granted", { permissions: "rl" }));
    const blob = (container: string, name: string, token: URL) =>
      `${service.endpoint}/openbatch/storage/${container}/${name}${token.search}`;
    expect(await (await fetch(blob("granted", "f.txt", read))).text()).toBe("secret");

    await expectBatchError(
      await fetch(blob("granted", "g.txt", read), {
        method: "PUT",
        body: "x",
        headers: { "x-ms-blob-type": "BlockBlob" },
      }),
      403,
      "AuthenticationFailed",
    );
    await client.storage.upload("other", "f.txt", "other");
    await expectBatchError(await fetch(blob("other", "f.txt", read)), 403, "AuthenticationFailed");

    const expired = new URL(
      client.storage.containerUrl("granted", { expiresOn: new Date(Date.now() - 1000) }),
    );
    await expectBatchError(await fetch(blob("granted", "f.txt", expired)), 403, "AuthenticationFailed");

    const forged = new URL(read);
    forged.searchParams.set("sp", "rwdl");
    await expectBatchError(await fetch(blob("granted", "f.txt", forged)), 403, "AuthenticationFailed");

    const write = new URL(client.storage.containerUrl("granted", { permissions: "w" }));
    const put = await fetch(blob("granted", "new/g.txt", write), {
      method: "PUT",
      body: "written",
      headers: { "x-ms-blob-type": "BlockBlob", "content-type": "text/plain" },
    });
    expect(put.status).toBe(201);
    expect((await client.storage.download("granted", "new/g.txt")).toString()).toBe("written");
  });

  it("refuses requests without a key or token", async () => {
    const response = await fetch(`${service.endpoint}/openbatch/storage/granted/f.txt`);
    await expectBatchError(response, 403, "AuthenticationFailed");
  });

  it.each([
    ["a container name that is not one", "/openbatch/storage/Bad_Name/f.txt"],
    [
      "a blob path with '..' (encoded slashes survive URL normalization)",
      "/openbatch/storage/inputs/x%2F..%2F..%2Faccount.db",
    ],
    ["a blob path with an empty part", "/openbatch/storage/inputs/x//y"],
  ])("refuses %s with InvalidResourceName", async (_what, target) => {
    await expectBatchError(await signedFetch(service, "GET", target), 400, "InvalidResourceName");
  });

  it("answers a container that does not exist with ContainerNotFound", async () => {
    const listing = collect(client.storage.list("nothing-here"));
    expect(((await listing.catch((e: unknown) => e)) as BatchRequestError).code).toBe("ContainerNotFound");
  });

  it("refuses a blob whose name clashes with a directory of another", async () => {
    await client.storage.upload("clash", "a/b", "b");
    const refused = await client.storage.upload("clash", "a", "a").catch((e: unknown) => e);
    expect((refused as BatchRequestError).code).toBe("InvalidResourceName");
    expect(fs.readdirSync(path.join(service.dataDir, "storage/.incoming"))).toEqual([]);
  });
});
