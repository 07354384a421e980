/**
 * A task's outputFiles with real agents and real servers: the same three output files (one per upload
 * condition) on a succeeding and a failing task, uploaded to an Azure container (Azurite), an S3
 * bucket (s3rver, which checks the signature) and the account's file store — exactly the files whose
 * condition matches arrive. A failed upload completes the task as failed with the exit code kept.
 */
import { createServer } from "node:net";
import { beforeAll, describe, expect, it } from "vitest";
import { collect } from "../../client/index.js";
import type { Task } from "../../protocol/rest/task.js";
import type { OutputFile, OutputFileDestination } from "../../protocol/rest/taskFiles.js";
import { completedTask, serviceForSuite } from "./harness.js";
import { azuriteForSuite, S3RVER_CREDENTIALS, s3rverForSuite } from "./storageServers.js";

const JOB = "files-out";

/** Writes out/a.txt, out/sub/b.txt, out/.hidden.txt and summary.txt, then exits with `exitCode`. */
function commandLine(exitCode: number): string {
  return (
    "/bin/sh -c 'mkdir -p out/sub && echo a > out/a.txt && echo b > out/sub/b.txt && echo h > out/.hidden.txt" +
    ` && echo summary > summary.txt && echo to stdout && exit ${exitCode}'`
  );
}

/** One output file per condition, each under its own path so the arrivals tell which ran. */
function outputFiles(destination: (path: string) => OutputFileDestination): OutputFile[] {
  return [
    {
      filePattern: "out/**/*.txt",
      destination: destination("success/"),
      uploadOptions: { uploadCondition: "taskSuccess" },
    },
    {
      filePattern: "../std*.txt",
      destination: destination("failure"),
      uploadOptions: { uploadCondition: "taskFailure" },
    },
    {
      filePattern: "summary.txt",
      destination: destination("always/summary.txt"),
      uploadOptions: { uploadCondition: "taskCompletion" },
    },
  ];
}

const afterSuccess = ["always/summary.txt", "success/a.txt", "success/sub/b.txt"];
const afterFailure = ["always/summary.txt", "failure/stderr.txt", "failure/stdout.txt"];

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("output files", () => {
  const suite = serviceForSuite("outfiles");
  const azurite = azuriteForSuite();
  const s3 = s3rverForSuite(["results"]);

  beforeAll(async () => {
    const { client } = suite.service;
    await client.pools.add({ id: "op", vmSize: "small", targetDedicatedNodes: 1, taskSlotsPerNode: 4 });
    await client.jobs.add({ id: JOB, poolInfo: { poolId: "op" } });
  });

  /**
   * Runs a succeeding (`<prefix>-ok`) and a failing (`<prefix>-fail`) task whose output files go to
   * `destination(<ok|fail>/<path>)`; returns the succeeding task once both completed as their exit codes say.
   */
  async function runBoth(
    prefix: string,
    destination: (path: string) => OutputFileDestination,
  ): Promise<Task> {
    const { client } = suite.service;
    for (const [outcome, exitCode] of [
      ["ok", 0],
      ["fail", 3],
    ] as const) {
      await client.tasks.add(JOB, {
        id: `${prefix}-${outcome}`,
        commandLine: commandLine(exitCode),
        outputFiles: outputFiles((path) => destination(`${outcome}/${path}`)),
      });
    }
    const ok = await completedTask(client, JOB, `${prefix}-ok`);
    const failed = await completedTask(client, JOB, `${prefix}-fail`);
    expect(ok.executionInfo).toMatchObject({ result: "success", exitCode: 0 });
    expect(failed.executionInfo).toMatchObject({
      result: "failure",
      exitCode: 3,
      failureInfo: { code: "FailureExitCode" },
    });
    return ok;
  }

  /** Exactly what should arrive: for the succeeding task its taskSuccess and taskCompletion files, for the failing one its taskFailure and taskCompletion files. */
  const expectedNames = [...afterFailure.map((k) => `fail/${k}`), ...afterSuccess.map((k) => `ok/${k}`)];

  it("uploads to an Azure container URL what each condition calls for", async () => {
    await azurite.server.createContainer("results");
    const containerUrl = azurite.server.containerUrl("results", "w");
    await runBoth("azure", (path) => ({ container: { containerUrl, path } }));
    expect(await azurite.server.blobNames("results")).toEqual(expectedNames);
    expect(await azurite.server.text("results", "ok/success/sub/b.txt")).toBe("b\n");
    expect(await azurite.server.text("results", "fail/failure/stdout.txt")).toBe("to stdout\n");
  });

  it("uploads to an S3 bucket, signed, and never returns the secret", async () => {
    const endpoint = s3.server.endpoint;
    const ok = await runBoth("s3", (path) => ({
      s3: { endpoint, bucket: "results", path, credentials: S3RVER_CREDENTIALS },
    }));
    expect(await s3.server.keys("results")).toEqual(expectedNames);
    expect(await s3.server.text("results", "ok/success/a.txt")).toBe("a\n");
    expect(ok.outputFiles?.[0]?.destination.s3?.credentials).toEqual({ accessKeyId: "S3RVER" });
    expect(JSON.stringify(ok)).not.toContain("secretAccessKey");
  });

  it("uploads to the account's file store by destination.autoStorage", async () => {
    const { client } = suite.service;
    await runBoth("store", (path) => ({ autoStorage: { containerName: "task-results", path } }));
    const names = (await collect(client.storage.list("task-results"))).map((b) => b.name);
    expect(names).toEqual(expectedNames);
    expect((await client.storage.download("task-results", "ok/always/summary.txt")).toString()).toBe(
      "summary\n",
    );
  });

  it("fails a task whose upload fails (a container that does not exist), keeping its exit code", async () => {
    const { client } = suite.service;
    const containerUrl = azurite.server.containerUrl("never-created", "w");
    await client.tasks.add(JOB, {
      id: "upload-404",
      commandLine: "/bin/sh -c 'echo result > result.txt'",
      outputFiles: [
        {
          filePattern: "result.txt",
          destination: { container: { containerUrl } },
          uploadOptions: { uploadCondition: "taskSuccess" },
        },
      ],
    });
    const task = await completedTask(client, JOB, "upload-404");
    expect(task.executionInfo).toMatchObject({
      result: "failure",
      exitCode: 0,
      failureInfo: { category: "usererror", code: "FileUploadFailed" },
    });
    expect(task.executionInfo?.failureInfo?.message).toContain(
      `${azurite.server.endpoint}/never-created/result.txt`,
    );
    expect(task.executionInfo?.failureInfo?.message).toContain("ContainerNotFound");
  });

  it("fails a task whose upload endpoint cannot be reached, or refuses its signature", async () => {
    const { client } = suite.service;
    const port = await closedPort();
    await client.tasks.add(JOB, {
      id: "upload-unreachable",
      commandLine: "/bin/sh -c 'echo result > result.txt'",
      outputFiles: [
        {
          filePattern: "result.txt",
          destination: { container: { containerUrl: `http://127.0.0.1:${port}/nowhere?sig=x` } },
          uploadOptions: { uploadCondition: "taskCompletion" },
        },
        {
          filePattern: "result.txt",
          destination: {
            s3: {
              endpoint: s3.server.endpoint,
              bucket: "results",
              credentials: { accessKeyId: "S3RVER", secretAccessKey: "wrong" },
            },
          },
          uploadOptions: { uploadCondition: "taskCompletion" },
        },
      ],
    });
    const task = await completedTask(client, JOB, "upload-unreachable");
    expect(task.executionInfo).toMatchObject({
      exitCode: 0,
      result: "failure",
      failureInfo: { code: "FileUploadFailed" },
    });
    const message = task.executionInfo?.failureInfo?.message ?? "";
    expect(message).toContain(`http://127.0.0.1:${port}/nowhere/result.txt`);
    expect(message).toContain("could not be reached");
    expect(message).toContain(`${s3.server.endpoint}/results/result.txt`);
    expect(message).toContain("SignatureDoesNotMatch");
    expect(message).not.toContain("sig=x");
    expect(await s3.server.keys("results")).not.toContain("result.txt");
  });

  it("refuses, when the task is added, patterns above the task directory and destinations that are not one", async () => {
    const { client } = suite.service;
    const add = (outputFile: object) =>
      client.tasks
        .add(JOB, { id: "bad", commandLine: "/bin/true", outputFiles: [outputFile as OutputFile] })
        .catch((e: unknown) => e);
    const destination = { autoStorage: { containerName: "task-results" } };
    const uploadOptions = { uploadCondition: "taskSuccess" };
    await expect(add({ filePattern: "../../etc/passwd", destination, uploadOptions })).resolves.toMatchObject(
      {
        code: "InvalidPropertyValue",
        values: expect.arrayContaining([{ key: "PropertyName", value: "outputFiles[0].filePattern" }]),
      },
    );
    await expect(add({ filePattern: "x", destination: {}, uploadOptions })).resolves.toMatchObject({
      code: "InvalidPropertyValue",
    });
    await expect(
      add({
        filePattern: "x",
        destination: { s3: { bucket: "b", credentials: { accessKeyId: "k" } } },
        uploadOptions,
      }),
    ).resolves.toMatchObject({ code: "MissingRequiredProperty" });
    await expect(
      add({ filePattern: "x", destination, uploadOptions: { uploadCondition: "always" } }),
    ).resolves.toMatchObject({
      code: "InvalidPropertyValue",
    });
  });
});
