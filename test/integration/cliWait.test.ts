/**
 * The built CLI (`node dist/cli/main.js`) against the real service with real agents: a pool, a job
 * and task collections created from `--json-file`s, then `job wait` exits 0 when every task
 * succeeded and 1 (listing the failed task and its exit code) when one failed; `task list --watch`
 * follows the same rule.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { serviceForSuite } from "./harness.js";

const cliEntry = path.resolve(import.meta.dirname, "../../dist/cli/main.js");

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

describe("openbatch --json-file, job wait and task list --watch with real agents", () => {
  const suite = serviceForSuite("cliwait");

  function openbatch(...args: string[]): Promise<CliResult> {
    const { endpoint, accountName, accountKey, dataDir } = suite.service;
    const env = {
      ...process.env,
      OPENBATCH_ENDPOINT: endpoint,
      OPENBATCH_ACCOUNT_NAME: accountName,
      OPENBATCH_ACCOUNT_KEY: accountKey,
      OPENBATCH_CONFIG: path.join(dataDir, "no-config.json"),
    };
    return new Promise((resolve) => {
      execFile(process.execPath, [cliEntry, ...args], { env }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  function jsonFile(name: string, content: unknown): string {
    const file = path.join(suite.dataDir, name);
    fs.writeFileSync(file, JSON.stringify(content));
    return file;
  }

  it("creates a pool, a job and a task collection from files; job wait exits 0 once all succeeded", async () => {
    const pool = jsonFile("pool.json", {
      id: "cw",
      vmSize: "small",
      targetDedicatedNodes: 1,
      taskSlotsPerNode: 2,
    });
    expect(await openbatch("pool", "create", "--json-file", pool)).toMatchObject({ code: 0, stderr: "" });
    const job = jsonFile("job.json", { id: "ok", poolInfo: { poolId: "cw" } });
    expect(await openbatch("job", "create", "--json-file", job)).toMatchObject({ code: 0, stderr: "" });

    const tasks = Array.from({ length: 5 }, (_, i) => ({
      id: `sq${i}`,
      commandLine: `/bin/sh -c 'echo $((${i} * ${i}))'`,
    }));
    const added = await openbatch("task", "create", "ok", "--json-file", jsonFile("tasks.json", tasks));
    expect(added.code).toBe(0);
    expect(added.stdout.split("\n").filter((line) => /^sq\d\s+success\s+-$/.test(line))).toHaveLength(5);

    const waited = await openbatch("job", "wait", "ok", "--timeout", "2m");
    expect(waited).toEqual({ code: 0, stdout: "Job ok: 5 tasks, 5 succeeded, 0 failed.\n", stderr: "" });
    expect((await openbatch("task", "output", "ok", "sq4")).stdout).toBe("16\n");
  });

  it("job wait and task list --watch exit 1 and name the task that failed, with its exit code", async () => {
    const tasks = {
      value: [
        { id: "fine", commandLine: "/bin/true" },
        { id: "broken", commandLine: "/bin/sh -c 'exit 3'" },
      ],
    };
    await openbatch(
      "job",
      "create",
      "bad",
      "--json-file",
      jsonFile("bad-job.json", { poolInfo: { poolId: "cw" } }),
    );
    expect(
      (await openbatch("task", "create", "bad", "--json-file", jsonFile("bad-tasks.json", tasks))).code,
    ).toBe(0);

    const waited = await openbatch("-o", "json", "job", "wait", "bad", "--timeout", "2m");
    expect(waited.code).toBe(1);
    expect(JSON.parse(waited.stdout)).toMatchObject({
      jobId: "bad",
      timedOut: false,
      taskCounts: { active: 0, running: 0, completed: 2, succeeded: 1, failed: 1 },
      failedTasks: [{ id: "broken", exitCode: 3, failureInfo: { code: "FailureExitCode" } }],
    });
    expect(waited.stderr).toBe(
      "error: TasksFailed: not every task of job bad succeeded: 1 failed: broken (FailureExitCode, exit code 3)\n",
    );

    const watched = await openbatch("task", "list", "bad", "--watch");
    expect(watched.code).toBe(1);
    expect(watched.stdout).toMatch(/^broken\s+completed\s+3\s+tvmps_000001_d\s/m);
    expect((await openbatch("pool", "delete", "cw", "--wait")).code).toBe(0);
  });
});
