/**
 * The rules a task's files must follow before they are accepted — exactly one source or destination,
 * paths that stay inside their directory, names the account's file store can keep — the container
 * tokens of the store, the List Blobs XML, and what the service puts in a dispatch.
 */
import { describe, expect, it } from "vitest";
import { parseBlobList, renderBlobList } from "../../../protocol/blobList.js";
import { BatchError } from "../../../protocol/errors.js";
import {
  checkOutputFiles,
  checkResourceFiles,
  filePatternProblem,
  type OutputFile,
  type ResourceFile,
  withoutSecrets,
} from "../../../protocol/rest/taskFiles.js";
import { blobNameProblem, containerNameProblem, escapeReason } from "../../../protocol/storagePaths.js";
import { containerToken, verifyContainerToken } from "../../../protocol/storageToken.js";
import { dispatchFiles } from "../../../service/core/dispatchFiles.js";

const KEY = Buffer.alloc(32, 7).toString("base64");

function refusal(check: () => void): { code: string; property?: string } | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    if (!(error instanceof BatchError)) throw error;
    return { code: error.code, property: error.values.find((v) => v.key === "PropertyName")?.value };
  }
}

describe("paths and names", () => {
  it.each([
    ["a/b.txt", undefined],
    ["../x", "contains '..'"],
    ["a/../../x", "contains '..'"],
    ["/etc/passwd", "is absolute"],
    ["C:/x", "is absolute"],
    ["a\0b", "NUL"],
  ])("escapeReason(%j)", (path, reason) => {
    const found = escapeReason(path);
    if (reason === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(reason);
  });

  it("takes Azure's container names only", () => {
    for (const good of ["abc", "my-container-1", "a".repeat(63)])
      expect(containerNameProblem(good)).toBeUndefined();
    for (const bad of ["ab", "Upper", "a--b", "-ab", "ab-", "a_b", "a".repeat(64), "..", "a/b"])
      expect(containerNameProblem(bad), bad).toBeDefined();
  });

  it("takes blob names that are file paths inside the container", () => {
    expect(blobNameProblem("dir/file name.txt")).toBeUndefined();
    for (const bad of ["", "a//b", "./a", "a/..", "../a", "/a", "x".repeat(1025)])
      expect(blobNameProblem(bad), bad).toBeDefined();
  });

  it("lets a file pattern reach the task directory and no further", () => {
    expect(filePatternProblem("../stdout.txt")).toBeUndefined();
    expect(filePatternProblem("a/../../stderr.txt")).toBeUndefined();
    expect(filePatternProblem("../../x")).toContain("climbs above");
    expect(filePatternProblem("/abs/*")).toContain("absolute");
  });
});

describe("checkResourceFiles", () => {
  const check = (...files: ResourceFile[]) => refusal(() => checkResourceFiles(files));

  it("takes each source with what it needs", () => {
    expect(check({ httpUrl: "https://example.com/a", filePath: "a" })).toBeUndefined();
    expect(
      check({ storageContainerUrl: "http://127.0.0.1/c?sig=x", blobPrefix: "p/", filePath: "in" }),
    ).toBeUndefined();
    expect(check({ autoStorageContainerName: "inputs" })).toBeUndefined();
  });

  it("refuses anything but exactly one source", () => {
    expect(check({ filePath: "a" })).toEqual({ code: "InvalidPropertyValue", property: "resourceFiles[0]" });
    expect(check({ httpUrl: "https://e/a", autoStorageContainerName: "abc", filePath: "a" })?.code).toBe(
      "InvalidPropertyValue",
    );
  });

  it("refuses paths that leave the working directory, names that are not names, and misplaced properties", () => {
    expect(check({ httpUrl: "https://e/a", filePath: "../a" })?.property).toBe("resourceFiles[0].filePath");
    expect(check({ autoStorageContainerName: "abc", filePath: "/tmp" })?.property).toBe(
      "resourceFiles[0].filePath",
    );
    expect(check({ httpUrl: "https://e/a", filePath: "dir/" })?.property).toBe("resourceFiles[0].filePath");
    expect(check({ httpUrl: "https://e/a", filePath: "a", blobPrefix: "x" })?.property).toBe(
      "resourceFiles[0].blobPrefix",
    );
    expect(check({ httpUrl: "ftp://e/a", filePath: "a" })?.property).toBe("resourceFiles[0].httpUrl");
    expect(check({ httpUrl: "https://e/a" })).toEqual({
      code: "MissingRequiredProperty",
      property: "resourceFiles[0].filePath",
    });
    expect(check({ autoStorageContainerName: "a_b" })?.property).toBe(
      "resourceFiles[0].autoStorageContainerName",
    );
  });
});

describe("checkOutputFiles and withoutSecrets", () => {
  const s3: OutputFile = {
    filePattern: "*.txt",
    destination: {
      s3: {
        bucket: "b",
        credentials: { accessKeyId: "AK", secretAccessKey: "SECRET", sessionToken: "TOKEN" },
      },
    },
    uploadOptions: { uploadCondition: "taskSuccess" },
  };

  it("refuses a destination that is not exactly one, and an S3 destination without its secret", () => {
    const both = { ...s3, destination: { ...s3.destination, autoStorage: { containerName: "abc" } } };
    expect(refusal(() => checkOutputFiles([both]))?.property).toBe("outputFiles[0].destination");
    const noSecret = { ...s3, destination: { s3: { bucket: "b", credentials: { accessKeyId: "AK" } } } };
    expect(refusal(() => checkOutputFiles([noSecret]))).toEqual({
      code: "MissingRequiredProperty",
      property: "outputFiles[0].destination.s3.credentials.secretAccessKey",
    });
    const refused = refusal(() => checkOutputFiles([both], "jobManagerTask.outputFiles"));
    expect(refused?.property).toBe("jobManagerTask.outputFiles[0].destination");
  });

  it("never says an S3 secret back", () => {
    const shown = withoutSecrets([s3]);
    expect(shown?.[0]?.destination.s3?.credentials).toEqual({ accessKeyId: "AK" });
    expect(JSON.stringify(shown)).not.toMatch(/SECRET|TOKEN/);
    expect(s3.destination.s3?.credentials.secretAccessKey).toBe("SECRET");
  });
});

describe("container tokens", () => {
  const grant = {
    accountName: "acct",
    container: "inputs",
    permissions: "rl",
    expiresOn: "2099-01-01T00:00:00.000Z",
  };
  const query = Object.fromEntries(new URLSearchParams(containerToken(KEY, grant)));

  it("grant what they say, on their container, until they expire", () => {
    expect(verifyContainerToken("acct", KEY, "inputs", query, "r")).toEqual({ ok: true });
    expect(verifyContainerToken("acct", KEY, "inputs", query, "w")).toMatchObject({ ok: false });
    expect(verifyContainerToken("acct", KEY, "outputs", query, "r")).toMatchObject({ ok: false });
    expect(verifyContainerToken("other", KEY, "inputs", query, "r")).toMatchObject({ ok: false });
    const otherKey = Buffer.alloc(32, 8).toString("base64");
    expect(verifyContainerToken("acct", otherKey, "inputs", query, "r")).toMatchObject({ ok: false });
    expect(
      verifyContainerToken("acct", KEY, "inputs", query, "r", new Date("2099-01-01T00:00:01Z")),
    ).toMatchObject({ ok: false, reason: expect.stringContaining("expired") });
    expect(verifyContainerToken("acct", KEY, "inputs", { ...query, sp: "rwld" }, "w")).toMatchObject({
      ok: false,
    });
  });
});

describe("List Blobs XML", () => {
  it("round-trips names that need escaping, and the next marker", () => {
    const page = {
      blobs: [{ name: "a&b <c>/'d\".txt", contentLength: 3, lastModified: "Mon, 01 Jan 2024 00:00:00 GMT" }],
      nextMarker: "a&b",
    };
    const xml = renderBlobList("http://h/c", { prefix: "a&", marker: "", maxResults: 1 }, page);
    expect(parseBlobList(xml)).toEqual(page);
    expect(
      parseBlobList(renderBlobList("http://h/c", { prefix: "", marker: "", maxResults: 5 }, { blobs: [] })),
    ).toEqual({
      blobs: [],
    });
  });
});

describe("dispatchFiles", () => {
  it("turns the account's file store into container URLs that grant only what the run needs", () => {
    const config = { accountName: "acct", accountKey: KEY, endpoint: "http://127.0.0.1:8765" };
    const now = Date.parse("2030-01-01T00:00:00Z");
    const files = dispatchFiles(
      {
        resourceFiles: [
          { autoStorageContainerName: "inputs", filePath: "in" },
          { httpUrl: "http://x/y", filePath: "y" },
        ],
        outputFiles: [
          {
            filePattern: "*.txt",
            destination: { autoStorage: { containerName: "results", path: "run1/" } },
            uploadOptions: { uploadCondition: "taskCompletion" },
          },
        ],
      },
      config,
      60_000,
      now,
    );
    const input = new URL(files.resourceFiles?.[0]?.storageContainerUrl ?? "");
    expect(input.pathname).toBe("/openbatch/storage/inputs");
    expect(input.searchParams.get("sp")).toBe("rl");
    expect(input.searchParams.get("se")).toBe(new Date(now + 60_000 + 24 * 3600_000).toISOString());
    expect(files.resourceFiles?.[0]).not.toHaveProperty("autoStorageContainerName");
    expect(files.resourceFiles?.[1]).toEqual({ httpUrl: "http://x/y", filePath: "y" });
    const output = files.outputFiles?.[0];
    expect(output).toMatchObject({ filePattern: "*.txt", uploadCondition: "taskCompletion" });
    const destination =
      output && "container" in output.destination ? output.destination.container : undefined;
    expect(destination?.path).toBe("run1/");
    expect(new URL(destination?.containerUrl ?? "").searchParams.get("sp")).toBe("w");
  });
});
