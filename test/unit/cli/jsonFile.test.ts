/**
 * `--json-file` on `pool create`, `job create` and `task create|add`, against the real service
 * in-process: the file is the whole request body (flags beside it are refused), a task file may hold
 * one task, an array or `{"value": [...]}` (sent 100 per addtaskcollection call), an unreadable file
 * or bad JSON is a usage error naming the file and the position, and the service's own validation
 * errors are shown as they are.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syntaxErrorOffset } from "../../../cli/jsonSyntax.js";
import { BatchClient } from "../../../client/batchClient.js";
import { collect } from "../../../client/paging.js";
import { type ApiService, startApi } from "../api/apiHarness.js";
import { credentialsEnv, runCli } from "./cliHarness.js";

let service: ApiService;
let client: BatchClient;
let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  service = await startApi("cli-json-file");
  client = new BatchClient(service);
  dir = mkdtempSync(join(tmpdir(), "openbatch-cli-json-"));
  env = credentialsEnv(service, dir);
});
afterAll(async () => {
  await service.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function jsonFile(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return path;
}

const openbatch = (...args: string[]) => runCli(args, env);

describe("--json-file", () => {
  it("creates a pool and a job from files holding the whole bodies", async () => {
    const pool = jsonFile("pool.json", {
      id: "jp1",
      vmSize: "small",
      taskSlotsPerNode: 3,
      taskSchedulingPolicy: { nodeFillType: "pack" },
      metadata: [{ name: "team", value: "docs" }],
    });
    expect(await openbatch("pool", "create", "--json-file", pool)).toMatchObject({ code: 0, stderr: "" });
    expect(await client.pools.get("jp1")).toMatchObject({
      taskSlotsPerNode: 3,
      taskSchedulingPolicy: { nodeFillType: "pack" },
      metadata: [{ name: "team", value: "docs" }],
    });
    // The id may come from the argument when the file has none.
    const job = jsonFile("job.json", {
      poolInfo: { poolId: "jp1" },
      priority: 7,
      constraints: { maxTaskRetryCount: 2 },
    });
    expect((await openbatch("job", "create", "jj1", "--json-file", job)).code).toBe(0);
    expect(await client.jobs.get("jj1")).toMatchObject({
      priority: 7,
      constraints: { maxTaskRetryCount: 2 },
    });
  });

  it("refuses flags that set the body beside a file, and an id argument that differs from the file's", async () => {
    const pool = jsonFile("pool2.json", { id: "jp2", vmSize: "small" });
    const beside = await openbatch(
      "pool",
      "create",
      "--json-file",
      pool,
      "--target-dedicated-nodes",
      "2",
      "--vm-size",
      "x",
    );
    expect(beside.code).toBe(2);
    expect(beside.stderr).toBe(
      `error: --json-file ${pool} is the whole request body, so --vm-size, --target-dedicated-nodes cannot be given with it; put those properties in the file instead\n`,
    );
    const task = jsonFile("task.json", { id: "a", commandLine: "/bin/true" });
    const withFlag = await openbatch(
      "task",
      "create",
      "jj1",
      "--json-file",
      task,
      "--command-line",
      "/bin/false",
    );
    expect(withFlag).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("--command-line cannot be given with it"),
    });
    const otherId = await openbatch(
      "job",
      "create",
      "other",
      "--json-file",
      jsonFile("job2.json", { id: "jj2", poolInfo: { poolId: "jp1" } }),
    );
    expect(otherId).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("the id argument 'other' differs from the id 'jj2'"),
    });
    await expect(client.pools.exists("jp2")).resolves.toBe(false);
    expect(await collect(client.jobs.list())).toHaveLength(1);
  });

  it("names the file that cannot be read, and the line and column of bad JSON", async () => {
    const missing = join(dir, "none.json");
    expect(await openbatch("job", "create", "--json-file", missing)).toEqual({
      code: 2,
      stdout: "",
      stderr: `error: cannot read --json-file ${missing}: no such file (ENOENT)\n`,
    });
    const broken = jsonFile(
      "broken.json",
      '[\n  { "id": "a", "commandLine": "/bin/true" },\n  { "id": "b", }\n]\n',
    );
    expect(await openbatch("task", "create", "jj1", "--json-file", broken)).toEqual({
      code: 2,
      stdout: "",
      stderr: `error: --json-file ${broken} is not valid JSON: line 3, column 16: Expected double-quoted property name\n`,
    });
  });

  it("adds one task, an array, or a {value: [...]} collection, 100 tasks per call", async () => {
    const one = jsonFile("one.json", {
      commandLine: "/bin/echo one",
      environmentSettings: [{ name: "A", value: "1" }],
    });
    expect(await openbatch("task", "create", "jj1", "single", "--json-file", one)).toMatchObject({ code: 0 });
    expect(await client.tasks.get("jj1", "single")).toMatchObject({
      environmentSettings: [{ name: "A", value: "1" }],
    });

    const many = Array.from({ length: 150 }, (_, i) => ({ id: `m${i}`, commandLine: `/bin/echo ${i}` }));
    const array = await openbatch("task", "create", "jj1", "--json-file", jsonFile("many.json", many));
    expect(array.code).toBe(0);
    expect(array.stdout.split("\n").filter((line) => /^m\d+\s+success\s+-$/.test(line))).toHaveLength(150);
    const value = await openbatch(
      "task",
      "add",
      "jj1",
      "--json-file",
      jsonFile("value.json", { value: [{ id: "v1", commandLine: "/bin/true" }] }),
    );
    expect(value.code).toBe(0);
    const ids = (await collect(client.tasks.list("jj1", { select: "id" }))).map((task) => task.id);
    expect(ids).toHaveLength(152);
    expect(ids).toEqual(expect.arrayContaining(["single", "m0", "m149", "v1"]));
  });

  it("shows the service's validation error as it is, saying which tasks of the file the refused call held", async () => {
    const tasks = Array.from({ length: 130 }, (_, i) => ({
      id: `bad${i}`,
      commandLine: i === 120 ? "" : "/bin/true",
    }));
    const path = jsonFile("bad.json", tasks);
    const { code, stdout, stderr } = await openbatch("task", "create", "jj1", "--json-file", path);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^bad99\s+success\s+-$/m);
    const [note, error] = stderr.split("\n");
    expect(note).toBe(
      `The service refused tasks 101 to 130 of ${path} (its value[0] is task 101 of the file); tasks 1 to 100 were sent before (results above).`,
    );
    expect(error).toBe(
      "error: InvalidPropertyValue: A property in the request body has a value that is not allowed. The value of 'value[20].commandLine' is not valid: it must not be empty.",
    );
  });
});

describe("JSON syntax positions", () => {
  it("finds the offset where each kind of error starts", () => {
    const cases: [string, number][] = [
      ['{"a": }', 6],
      ['{"a": 1,}', 8],
      ["[1 2]", 3],
      ['{"a": "x', 8],
      ["", 0],
      ['{"a":1} x', 8],
      ["{'a':1}", 1],
      ['{"a": tru}', 6],
      ['{"a": "\u0001"}', 7],
      ["[1, -]", 4],
    ];
    for (const [text, offset] of cases) expect(syntaxErrorOffset(text), text).toBe(offset);
    const valid = '{"a": [1, 2.5e3, true, null, {"b": "\\"x\\""}]}';
    expect(syntaxErrorOffset(valid)).toBe(valid.length);
  });
});
