/**
 * `job wait` and `task list --watch` against the real service in-process. Its pools have no nodes, so
 * tasks stay active until the test terminates them (they complete as failed, `TaskEnded`); success
 * needs agents and is covered by test/integration/cliWait.test.ts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WatchedTasks } from "../../../cli/taskWatch.js";
import { BatchClient } from "../../../client/batchClient.js";
import { waitFor } from "../../integration/harness.js";
import { type ApiService, addPoolAndJob, startApi } from "../api/apiHarness.js";
import { credentialsEnv, runCli, startCli } from "./cliHarness.js";

let service: ApiService;
let client: BatchClient;
let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  service = await startApi("cli-job-wait");
  client = new BatchClient(service);
  dir = mkdtempSync(join(tmpdir(), "openbatch-cli-wait-"));
  env = credentialsEnv(service, dir);
});
afterAll(async () => {
  await service.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** A job on a pool without nodes, with tasks that wait until terminated. */
async function jobWithTasks(jobId: string, taskIds: string[]): Promise<void> {
  await addPoolAndJob(service, `pool-${jobId}`, jobId);
  for (const id of taskIds) await client.tasks.add(jobId, { id, commandLine: "/bin/true" });
}

describe("openbatch job wait", () => {
  it("returns 0 at once for a job without tasks", async () => {
    await jobWithTasks("empty", []);
    expect(await runCli(["job", "wait", "empty"], env)).toEqual({
      code: 0,
      stdout: "Job empty: 0 tasks, 0 succeeded, 0 failed.\n",
      stderr: "",
    });
  });

  it("shows progress on a terminal, then lists the failed tasks and exits 1", async () => {
    await jobWithTasks("w1", ["t1", "t2"]);
    const wait = startCli(["job", "wait", "w1"], env, { stderrIsTTY: true });
    await waitFor("the progress line", async () =>
      wait.output.stderr.includes("job w1: 2 active, 0 running, 0 succeeded, 0 failed"),
    );
    await client.tasks.terminate("w1", "t1");
    await client.tasks.terminate("w1", "t2");
    const { code, stdout, stderr } = await wait.done;
    expect(code).toBe(1);
    const [summary, header, ...rows] = stdout.trimEnd().split("\n");
    expect(summary).toBe("Job w1: 2 tasks, 0 succeeded, 2 failed.");
    expect(header).toMatch(/^ID\s+EXITCODE\s+FAILURE$/);
    expect(rows.map((row) => row.split(/\s+/).slice(0, 3))).toEqual([
      ["t1", "-", "TaskEnded:"],
      ["t2", "-", "TaskEnded:"],
    ]);
    // The progress line is cleared before the error.
    expect(stderr.split("\r\x1b[2K").at(-1)).toBe(
      "error: TasksFailed: not every task of job w1 succeeded: 2 failed: t1 (TaskEnded, exit code none), t2 (TaskEnded, exit code none)\n",
    );
  });

  it("prints the outcome as JSON with -o json, and no progress when stderr is not a terminal", async () => {
    const { code, stdout, stderr } = await runCli(["-o", "json", "job", "wait", "w1"], env);
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toEqual({
      jobId: "w1",
      jobState: "active",
      timedOut: false,
      taskCounts: { active: 0, running: 0, completed: 2, succeeded: 0, failed: 2 },
      failedTasks: [
        { id: "t1", failureInfo: expect.objectContaining({ category: "usererror", code: "TaskEnded" }) },
        { id: "t2", failureInfo: expect.objectContaining({ category: "usererror", code: "TaskEnded" }) },
      ],
    });
    expect(stderr).toMatch(/^error: TasksFailed: /);
  });

  it("gives up after --timeout with exit 2, and refuses a timeout it cannot read", async () => {
    await jobWithTasks("slow", ["waiting"]);
    const { code, stdout, stderr } = await runCli(["job", "wait", "slow", "--timeout", "600ms"], env);
    expect(code).toBe(2);
    expect(stdout).toBe("Job slow timed out waiting: 1 active, 0 running, 0 succeeded, 0 failed.\n");
    expect(stderr).toBe(
      "error: Timeout: job slow still has tasks to run (1 active, 0 running, 0 succeeded, 0 failed)\n",
    );
    const bad = await runCli(["job", "wait", "slow", "--timeout", "soon"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("expected a duration such as 90s, 10m or 1h");
  });

  it("stops when the job completes with tasks that never ran, and exits 1", async () => {
    await jobWithTasks("ended", ["never"]);
    await client.jobs.terminate("ended");
    const { code, stdout, stderr } = await runCli(["job", "wait", "ended"], env);
    expect(code).toBe(1);
    expect(stdout).toBe("Job ended: 1 task, 0 succeeded, 0 failed, 1 did not run (the job is completed).\n");
    expect(stderr).toBe(
      "error: TasksFailed: not every task of job ended succeeded: 1 did not run because the job is completed\n",
    );
  });

  it("fails with the service's error for a job that does not exist", async () => {
    const { code, stderr } = await runCli(["job", "wait", "nosuchjob"], env);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: JobNotFound: /);
  });
});

describe("openbatch task list --watch", () => {
  it("prints one JSON line per task, then one per change, until all have completed", async () => {
    await jobWithTasks("watched", ["a", "b"]);
    const watch = startCli(["-o", "json", "task", "list", "watched", "--watch"], env);
    const lines = () =>
      watch.output.stdout
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { id: string; state: string });
    await waitFor("a line per task", async () => lines().length === 2);
    await client.tasks.terminate("watched", "a");
    await waitFor("a line for the change", async () => lines().length === 3);
    await client.tasks.terminate("watched", "b");
    const { code, stderr } = await watch.done;
    expect(lines().map(({ id, state }) => `${id} ${state}`)).toEqual([
      "a active",
      "b active",
      "a completed",
      "b completed",
    ]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: TasksFailed: not every task of job watched succeeded: 2 failed: a /);
  });

  it("after the first look, fetches only the tasks whose state changed since", async () => {
    await jobWithTasks("incremental", ["x", "y", "z"]);
    const observed = new BatchClient(service);
    const filters: (string | undefined)[] = [];
    const list = observed.tasks.list.bind(observed.tasks);
    observed.tasks.list = (jobId, options) => {
      filters.push(options?.filter);
      return list(jobId, options);
    };
    const view = new WatchedTasks(observed, "incremental");
    const countsNow = async () => (await client.jobs.getTaskCounts("incremental")).taskCounts;
    expect((await view.refresh(await countsNow())).map((task) => task.id)).toEqual(["x", "y", "z"]);
    await client.tasks.terminate("incremental", "y");
    const changed = await view.refresh(await countsNow());
    expect(changed.map((task) => `${task.id} ${task.state}`)).toEqual(["y completed"]);
    expect(filters).toEqual([undefined, expect.stringMatching(/^stateTransitionTime ge datetime'.+'$/)]);
    expect(view.all().map((task) => `${task.id} ${task.state}`)).toEqual([
      "x active",
      "y completed",
      "z active",
    ]);
  });

  it("draws the table with the counts, and takes no --filter", async () => {
    const { code, stdout } = await runCli(["task", "list", "w1", "--watch"], env);
    expect(code).toBe(1);
    const lines = stdout.split("\n");
    expect(lines[0]).toMatch(/^ID\s+STATE\s+EXITCODE\s+NODE\s+STARTTIME\s+ENDTIME$/);
    expect(lines[1]).toMatch(/^t1\s+completed\s+-/);
    expect(lines[3]).toMatch(/^job w1: 0 active, 0 running, 0 succeeded, 2 failed \(.+\)$/);
    const filtered = await runCli(["task", "list", "w1", "--watch", "--filter", "state eq 'active'"], env);
    expect(filtered).toMatchObject({
      code: 2,
      stderr: "error: --watch follows every task; it takes no --filter\n",
    });
  });
});
