/**
 * The agent refuses resource files that would land outside the task's working directory, whatever the
 * service let through: a container whose listing names `../` blobs, and a symbolic link an earlier run
 * left in the working directory. Served by a real node:http server that answers like Azure Blob.
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { downloadResourceFiles } from "../../../agent/resourceFiles.js";
import { renderBlobList } from "../../../protocol/blobList.js";

const blobs = ["ok.txt", "../escaped.txt"];
const server = http.createServer((request, response) => {
  const url = new URL(request.url ?? "/", "http://x");
  if (url.searchParams.get("comp") === "list") {
    const page = { blobs: blobs.map((name) => ({ name, contentLength: 1, lastModified: "" })) };
    response.end(renderBlobList("c", { prefix: "", marker: "", maxResults: 5000 }, page));
    return;
  }
  response.end(`content of ${url.pathname}`);
});
let base = "";
const root = fs.mkdtempSync(path.join(os.tmpdir(), "openbatch-resfiles-"));

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(root, { recursive: true, force: true });
});

function workingDir(name: string): string {
  const dir = path.join(root, name, "wd");
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

describe("downloadResourceFiles", () => {
  it("refuses a blob name that climbs out of the working directory", async () => {
    const wd = workingDir("listing");
    const failure = await downloadResourceFiles([{ storageContainerUrl: `${base}/c?sig=s` }], wd);
    expect(failure).toMatchObject({
      category: "usererror",
      code: "ResourceFilePathInvalid",
      stage: "preProcessing",
    });
    expect(fs.readFileSync(path.join(wd, "ok.txt"), "utf8")).toBe("content of /c/ok.txt");
    expect(fs.existsSync(path.join(root, "listing", "escaped.txt"))).toBe(false);
  });

  it("refuses to write through a symbolic link that leads outside, and replaces a link at the target itself", async () => {
    const wd = workingDir("links");
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), "openbatch-outside-"));
    fs.symlinkSync(outside, path.join(wd, "linked"));
    const through = await downloadResourceFiles([{ httpUrl: `${base}/f`, filePath: "linked/f.txt" }], wd);
    expect(through).toMatchObject({ code: "ResourceFilePathInvalid" });
    expect(fs.readdirSync(outside)).toEqual([]);

    const secret = path.join(outside, "secret.txt");
    fs.writeFileSync(secret, "keep");
    fs.symlinkSync(secret, path.join(wd, "target.txt"));
    expect(
      await downloadResourceFiles([{ httpUrl: `${base}/t`, filePath: "target.txt" }], wd),
    ).toBeUndefined();
    expect(fs.readFileSync(secret, "utf8")).toBe("keep");
    expect(fs.lstatSync(path.join(wd, "target.txt")).isSymbolicLink()).toBe(false);
    fs.rmSync(outside, { recursive: true, force: true });
  });

  it("names the server it could not reach", async () => {
    const failure = await downloadResourceFiles(
      [{ httpUrl: "http://127.0.0.1:1/x?sig=secret", filePath: "x" }],
      workingDir("down"),
    );
    expect(failure).toMatchObject({ code: "ResourceFileDownloadFailed" });
    expect(failure?.message).toContain("http://127.0.0.1:1/x?<token hidden>");
    expect(failure?.message).not.toContain("secret");
  });
});
