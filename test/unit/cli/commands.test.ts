import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProgram } from "../../../cli/program.js";
import type { TaskAddParameter } from "../../../protocol/rest/task.js";
import {
  azureError,
  type FakeBatchService,
  lastRequestTo,
  startFakeBatchService,
} from "../client/fakeBatchService.js";
import { type CliRun, contextFor, credentialsEnv, runCli } from "./cliHarness.js";

const dir = mkdtempSync(join(tmpdir(), "openbatch-cli-"));
const pool = {
  id: "p1",
  state: "active",
  allocationState: "steady",
  vmSize: "small",
  currentDedicatedNodes: 2,
  targetDedicatedNodes: 2,
  taskSlotsPerNode: 1,
};
const job = {
  id: "j1",
  state: "active",
  priority: 10,
  poolInfo: { poolId: "p1" },
  creationTime: "2024-01-01T00:00:00Z",
};
const task = { id: "t1", state: "completed", executionInfo: { exitCode: 0 }, nodeInfo: { nodeId: "n1" } };
const node = {
  id: "n1",
  state: "idle",
  schedulingState: "enabled",
  ipAddress: "10.0.0.4",
  runningTasksCount: 0,
};

const jobSchedule = {
  id: "s1",
  state: "active",
  schedule: { doNotRunUntil: "2030-01-01T00:00:00.000Z", recurrenceInterval: "PT1H" },
  jobSpecification: { poolInfo: { poolId: "p1" } },
  executionInfo: { nextRunTime: "2030-01-01T00:00:00.000Z", recentJob: { id: "s1_job-1" } },
};

let service: FakeBatchService;
let deleted = false;

beforeAll(async () => {
  service = await startFakeBatchService({
    "POST /pools": (req) =>
      JSON.parse(req.body).id === "exists"
        ? azureError(409, "PoolExists", "The specified pool already exists.")
        : { status: 201 },
    "GET /pools": () => ({ status: 200, body: { value: [pool] } }),
    "GET /pools/p1": () => ({ status: 200, body: pool }),
    "POST /pools/p1/resize": () => ({ status: 202 }),
    "GET /openbatch/pools/p1/join": () => ({
      status: 200,
      body: {
        serviceUrl: "ws://h:1/openbatch/agent",
        joinToken: "tok",
        bundleUrl: "http://h:1/openbatch/agent/bundle.tar.gz",
      },
    }),
    "POST /pools/p1/updateproperties": () => ({ status: 204 }),
    "DELETE /pools/p1": () => {
      deleted = true;
      return { status: 202 };
    },
    "HEAD /pools/p1": () => ({ status: deleted ? 404 : 200 }),
    "GET /pools/p1/nodes": () => ({ status: 200, body: { value: [node] } }),
    "POST /jobs": () => ({ status: 201 }),
    "GET /jobs": () => ({ status: 200, body: { value: [job] } }),
    "POST /jobs/j1/terminate": () => ({ status: 202 }),
    "PUT /jobs/j1/tasks/t1": () => ({ status: 200 }),
    "POST /pools/p1/nodes/n1/reboot": () => ({ status: 202 }),
    "POST /jobs/j1/tasks/t1/reactivate": () => ({ status: 204 }),
    "GET /jobs/j1/jobpreparationandreleasetaskstatus": () => ({
      status: 200,
      body: {
        value: [
          {
            poolId: "p1",
            nodeId: "n1",
            nodeUrl: "http://x/pools/p1/nodes/n1",
            jobPreparationTaskExecutionInfo: {
              state: "completed",
              result: "success",
              exitCode: 0,
              retryCount: 0,
            },
            jobReleaseTaskExecutionInfo: { state: "running" },
          },
        ],
      },
    }),
    "POST /jobs/j1/tasks": () => ({ status: 201 }),
    "GET /jobs/j1/tasks/t1": () => ({ status: 200, body: task }),
    "POST /jobs/j1/addtaskcollection": (req) => {
      const { value } = JSON.parse(req.body) as { value: TaskAddParameter[] };
      const result = (t: TaskAddParameter) =>
        t.id === "bad"
          ? {
              status: "clienterror",
              taskId: t.id,
              error: { code: "TaskExists", message: { lang: "en-US", value: "exists" } },
            }
          : { status: "success", taskId: t.id };
      return { status: 200, body: { value: value.map(result) } };
    },
    "GET /jobs/j1/tasks/t1/files/stdout.txt": () => ({
      status: 200,
      body: new TextEncoder().encode("hello\n"),
    }),
    "POST /jobschedules": () => ({ status: 201 }),
    "GET /jobschedules": () => ({ status: 200, body: { value: [jobSchedule] } }),
    "GET /jobschedules/s1": () => ({ status: 200, body: jobSchedule }),
    "PATCH /jobschedules/s1": () => ({ status: 200 }),
    "POST /jobschedules/s1/disable": () => ({ status: 204 }),
    "GET /jobschedules/s1/jobs": () => ({ status: 200, body: { value: [{ ...job, id: "s1_job-1" }] } }),
    "GET /jobs/j1/tasks/t1/files/stderr.txt": () => ({
      status: 200,
      body: new TextEncoder().encode("oops\n"),
    }),
  });
});
afterAll(() => service.close());

async function openbatch(
  args: string[],
  env: NodeJS.ProcessEnv = credentialsEnv(service, dir),
): Promise<CliRun> {
  return runCli(args, env);
}

const lastRequest = (method: string, path: string) => lastRequestTo(service, method, path);

describe("openbatch help", () => {
  it("ends with a walkthrough, the credential sources and the exit codes", async () => {
    const { code, stdout } = await openbatch(["--help"]);
    expect(code).toBe(0);
    for (const text of [
      "service",
      "pool",
      "node",
      "job",
      "task",
      "Example",
      "task output j1 t1",
      "Exit codes",
      "OPENBATCH_CONFIG",
    ]) {
      expect(stdout).toContain(text);
    }
  });

  it("ends every command's help with examples of that command", async () => {
    const program = createProgram(
      contextFor(credentialsEnv(service, dir), { code: 0, stdout: "", stderr: "" }),
    );
    const paths = program.commands.flatMap((group) => [
      [group.name()],
      ...group.commands.map((command) => [group.name(), command.name()]),
    ]);
    expect(paths.length).toBeGreaterThan(20);
    for (const path of paths) {
      const { code, stdout } = await openbatch([...path, "--help"]);
      expect(code, path.join(" ")).toBe(0);
      const examples = stdout.slice(stdout.indexOf("\nExamples:\n"));
      expect(examples, `${path.join(" ")} --help has no Examples`).toMatch(/^\nExamples:\n/);
      const leaf = path.length === 2 ? path.join(" ") : path[0]!;
      expect(examples, `${path.join(" ")} --help shows no example of itself`).toContain(
        `$ openbatch ${leaf}`,
      );
    }
  });

  it("explains each command in Azure Batch terms, with the global options", async () => {
    const { code, stdout } = await openbatch(["pool", "create", "--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("POST /pools");
    expect(stdout).toContain("--output");
  });
});

describe("openbatch pool", () => {
  it("create sends a PoolAddParameter built from the flags", async () => {
    const args = [
      "pool",
      "create",
      "p1",
      "--vm-size",
      "small",
      "--target-dedicated-nodes",
      "2",
      "--task-slots-per-node",
      "4",
    ];
    args.push("--node-fill-type", "pack", "--start-task", "echo hi", "--start-task-wait-for-success");
    const { code, stdout } = await openbatch(args);
    expect(code).toBe(0);
    expect(stdout).toContain("Pool p1 created");
    expect(JSON.parse(lastRequest("POST", "/pools").body)).toEqual({
      id: "p1",
      vmSize: "small",
      targetDedicatedNodes: 2,
      taskSlotsPerNode: 4,
      taskSchedulingPolicy: { nodeFillType: "pack" },
      startTask: { commandLine: "echo hi", waitForSuccess: true },
    });
  });

  it("create sends a --json-file as the whole body, the id argument filling in a missing id", async () => {
    const file = join(dir, "pool.json");
    writeFileSync(file, JSON.stringify({ vmSize: "large", targetDedicatedNodes: 5, metadata: [] }));
    expect((await openbatch(["pool", "create", "p1", "--json-file", file])).code).toBe(0);
    expect(JSON.parse(lastRequest("POST", "/pools").body)).toEqual({
      id: "p1",
      vmSize: "large",
      targetDedicatedNodes: 5,
      metadata: [],
    });
  });

  it("join-info shows what a machine needs to join the pool", async () => {
    const { code, stdout } = await openbatch(["pool", "join-info", "p1"]);
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        "serviceUrl  ws://h:1/openbatch/agent",
        "bundleUrl   http://h:1/openbatch/agent/bundle.tar.gz",
        "joinToken   tok",
        "",
      ].join("\n"),
    );
    expect(JSON.parse((await openbatch(["pool", "join-info", "p1", "-o", "json"])).stdout)).toMatchObject({
      joinToken: "tok",
    });
  });

  it("create prints the service's error code and message and exits 1", async () => {
    const { code, stderr } = await openbatch(["pool", "create", "exists", "--vm-size", "small"]);
    expect(code).toBe(1);
    expect(stderr).toBe("error: PoolExists: The specified pool already exists.\n");
  });

  it("refuses bad usage with exit 2 before sending anything", async () => {
    const before = service.requests.length;
    const noSize = await openbatch(["pool", "create", "p1"]);
    expect(noSize).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("--vm-size <size> is required"),
    });
    const badCount = await openbatch([
      "pool",
      "create",
      "p1",
      "--vm-size",
      "s",
      "--target-dedicated-nodes",
      "two",
    ]);
    expect(badCount).toMatchObject({ code: 2, stderr: expect.stringContaining("expected an integer") });
    const badChoice = await openbatch([
      "pool",
      "resize",
      "p1",
      "--target-dedicated-nodes",
      "1",
      "--node-deallocation-option",
      "x",
    ]);
    expect(badChoice.code).toBe(2);
    expect((await openbatch(["pool", "frobnicate"])).code).toBe(2);
    expect(
      (await openbatch(["pool", "create", "p1", "--vm-size", "s", "--json-file", join(dir, "none.json")]))
        .code,
    ).toBe(2);
    expect(service.requests.length).toBe(before);
  });

  it("list prints a table, or the raw Azure objects with -o json in any position", async () => {
    const table = await openbatch(["pool", "list"]);
    expect(table.stdout.split("\n")[0]).toMatch(
      /^ID\s+STATE\s+ALLOCATIONSTATE\s+VMSIZE\s+NODES\s+SLOTSPERNODE$/,
    );
    expect(table.stdout).toContain("2/2");
    expect(JSON.parse((await openbatch(["pool", "list", "-o", "json"])).stdout)).toEqual([pool]);
    expect(JSON.parse((await openbatch(["--output", "json", "pool", "show", "p1"])).stdout)).toEqual(pool);
  });

  it("resize sends a PoolResizeParameter", async () => {
    const args = [
      "pool",
      "resize",
      "p1",
      "--target-dedicated-nodes",
      "3",
      "--node-deallocation-option",
      "requeue",
    ];
    expect((await openbatch(args)).code).toBe(0);
    expect(JSON.parse(lastRequest("POST", "/pools/p1/resize").body)).toEqual({
      targetDedicatedNodes: 3,
      nodeDeallocationOption: "requeue",
    });
  });

  it("update-properties sends the file as a PoolUpdatePropertiesParameter", async () => {
    const body = { startTask: { commandLine: "/bin/true" }, metadata: [{ name: "k", value: "v" }] };
    const file = join(dir, "props.json");
    writeFileSync(file, JSON.stringify(body));
    const { code, stdout } = await openbatch(["pool", "update-properties", "p1", "--json-file", file]);
    expect(code).toBe(0);
    expect(stdout).toBe("Pool p1's start task and metadata replaced.\n");
    expect(JSON.parse(lastRequest("POST", "/pools/p1/updateproperties").body)).toEqual(body);
  });

  it("delete --wait returns once the pool is gone", async () => {
    const { code, stdout } = await openbatch(["pool", "delete", "p1", "--wait"]);
    expect(code).toBe(0);
    expect(stdout).toBe("Pool p1 deleted.\n");
    expect(lastRequest("HEAD", "/pools/p1")).toBeDefined();
  });
});

describe("openbatch node, job and task", () => {
  it("node list shows state, scheduling state, address and running tasks", async () => {
    const { stdout } = await openbatch(["node", "list", "p1"]);
    expect(stdout).toMatch(/n1\s+idle\s+enabled\s+10\.0\.0\.4\s+0/);
  });

  it("job create, list --filter and terminate --reason", async () => {
    expect((await openbatch(["job", "create", "j1", "--pool-id", "p1", "--priority", "-5"])).code).toBe(0);
    expect(JSON.parse(lastRequest("POST", "/jobs").body)).toEqual({
      id: "j1",
      priority: -5,
      poolInfo: { poolId: "p1" },
    });
    const { stdout } = await openbatch(["job", "list", "--filter", "state eq 'active'"]);
    expect(stdout).toMatch(/j1\s+active\s+10\s+p1/);
    expect(lastRequest("GET", "/jobs").query.get("$filter")).toBe("state eq 'active'");
    await openbatch(["job", "terminate", "j1", "--reason", "done"]);
    expect(JSON.parse(lastRequest("POST", "/jobs/j1/terminate").body)).toEqual({ terminateReason: "done" });
  });

  it("task update sends new constraints, task reactivate, node reboot and job prep-release-status", async () => {
    const update = ["task", "update", "j1", "t1", "--max-task-retry-count", "3", "--retention-time", "P1D"];
    expect((await openbatch(update)).code).toBe(0);
    expect(JSON.parse(lastRequest("PUT", "/jobs/j1/tasks/t1").body)).toEqual({
      constraints: { maxTaskRetryCount: 3, retentionTime: "P1D" },
    });
    const nothing = await openbatch(["task", "update", "j1", "t1"]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain("--max-task-retry-count");
    expect((await openbatch(["task", "reactivate", "j1", "t1"])).stdout).toContain("reactivated");
    expect(lastRequest("POST", "/jobs/j1/tasks/t1/reactivate")).toBeDefined();
    expect((await openbatch(["node", "reboot", "p1", "n1", "--option", "taskcompletion"])).code).toBe(0);
    expect(JSON.parse(lastRequest("POST", "/pools/p1/nodes/n1/reboot").body)).toEqual({
      nodeRebootOption: "taskcompletion",
    });
    expect((await openbatch(["node", "reboot", "p1", "n1", "--option", "later"])).code).toBe(2);
    const { stdout } = await openbatch(["job", "prep-release-status", "j1"]);
    expect(stdout).toMatch(/n1\s+completed\s+success\s+0\s+running/);
  });

  it("task add sends the command line, environment and slots", async () => {
    const args = ["task", "add", "j1", "t1", "--command-line", "echo hi", "--env", "A=1", "--env", "B=x=y"];
    expect((await openbatch([...args, "--required-slots", "2"])).code).toBe(0);
    expect(JSON.parse(lastRequest("POST", "/jobs/j1/tasks").body)).toEqual({
      id: "t1",
      commandLine: "echo hi",
      environmentSettings: [
        { name: "A", value: "1" },
        { name: "B", value: "x=y" },
      ],
      requiredSlots: 2,
    });
    expect(
      (await openbatch(["task", "add", "j1", "t1", "--command-line", "x", "--env", "NOVALUE"])).code,
    ).toBe(2);
  });

  it("task add --json-file with an array adds collections of 100 and fails when a task is refused", async () => {
    const file = join(dir, "tasks.json");
    const tasks = Array.from({ length: 150 }, (_, i) => ({
      id: i === 7 ? "bad" : `t${i}`,
      commandLine: "true",
    }));
    writeFileSync(file, JSON.stringify(tasks));
    const before = service.requests.length;
    const { code, stdout, stderr } = await openbatch(["task", "add", "j1", "--json-file", file]);
    expect(service.requests.slice(before).map((r) => JSON.parse(r.body).value.length)).toEqual([100, 50]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/bad\s+clienterror\s+TaskExists: exists/);
    expect(stderr).toBe(
      "error: TasksNotAdded: 1 of 150 tasks were not added to job j1; see their errors above\n",
    );
  });

  it("task output prints stdout.txt, or stderr.txt with --stderr", async () => {
    expect((await openbatch(["task", "output", "j1", "t1"])).stdout).toBe("hello\n");
    expect((await openbatch(["task", "output", "j1", "t1", "--stderr"])).stdout).toBe("oops\n");
  });

  it("task show prints the task's fields", async () => {
    const { stdout } = await openbatch(["task", "show", "j1", "t1"]);
    expect(stdout).toMatch(/^exitCode\s+0$/m);
    expect(stdout).toMatch(/^node\s+n1$/m);
  });
});

describe("openbatch credentials and reachability", () => {
  it("explains how to provide missing credentials, exit 2", async () => {
    const { code, stderr } = await openbatch(["pool", "list"], {
      OPENBATCH_CONFIG: join(dir, "absent.json"),
    });
    expect(code).toBe(2);
    expect(stderr).toContain("error: no endpoint, account name, account key for the Batch service");
    expect(stderr).toContain("--endpoint <url> --account-name <name> --account-key <base64>");
  });

  it("uses the config file, and flags over it", async () => {
    const config = join(dir, "config.json");
    writeFileSync(
      config,
      JSON.stringify({
        endpoint: "http://127.0.0.1:1",
        accountName: service.accountName,
        accountKey: service.accountKey,
      }),
    );
    const { code } = await openbatch(["pool", "list", "--endpoint", service.endpoint], {
      OPENBATCH_CONFIG: config,
    });
    expect(code).toBe(0);
  });

  it("says the service is unreachable and how to start it, exit 1", async () => {
    const env = { ...credentialsEnv(service, dir), OPENBATCH_ENDPOINT: "http://127.0.0.1:1" };
    const { code, stderr } = await openbatch(["job", "list"], env);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^error: ServiceUnreachable: could not reach the Batch service at http:\/\/127\.0\.0\.1:1/,
    );
    expect(stderr).toContain("openbatch service start");
  });

  it("reports a wrong key as the service's AuthenticationFailed", async () => {
    const { code, stderr } = await openbatch(["job", "list", "--account-key", "AAAA"]);
    expect(code).toBe(1);
    expect(stderr).toContain("error: AuthenticationFailed: the signature does not match");
  });
});

describe("openbatch schedule", () => {
  it("create sends a JobScheduleAddParameter built from the flags", async () => {
    const args = ["schedule", "create", "s1", "--pool-id", "p1", "--recurrence-interval", "PT1H"];
    const { code, stdout } = await openbatch([...args, "--start-window", "PT5M"]);
    expect(code).toBe(0);
    expect(stdout).toContain("Job schedule s1 created");
    expect(JSON.parse(lastRequest("POST", "/jobschedules").body)).toEqual({
      id: "s1",
      schedule: { recurrenceInterval: "PT1H", startWindow: "PT5M" },
      jobSpecification: { poolInfo: { poolId: "p1" } },
    });
  });

  it("create takes a whole JobScheduleAddParameter from --json-file, and refuses flags beside it", async () => {
    const file = join(dir, "schedule.json");
    const body = {
      id: "fromfile",
      schedule: { recurrenceInterval: "P1D", doNotRunUntil: "2030-01-01T02:00:00Z" },
      jobSpecification: {
        poolInfo: { poolId: "p9" },
        priority: 4,
        constraints: { maxWallClockTime: "PT1H" },
      },
      metadata: [{ name: "a", value: "b" }],
    };
    writeFileSync(file, JSON.stringify(body));
    expect((await openbatch(["schedule", "create", "--json-file", file])).code).toBe(0);
    expect(JSON.parse(lastRequest("POST", "/jobschedules").body)).toEqual(body);
    const mixed = await openbatch(["schedule", "create", "--json-file", file, "--pool-id", "p1"]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain("--pool-id");
    expect((await openbatch(["schedule", "create", "s2"])).code).toBe(2);
  });

  it("update lays the flags over the current schedule (PATCH replaces all of it)", async () => {
    expect((await openbatch(["schedule", "update", "s1", "--recurrence-interval", "PT2H"])).code).toBe(0);
    expect(JSON.parse(lastRequest("PATCH", "/jobschedules/s1").body)).toEqual({
      schedule: { doNotRunUntil: "2030-01-01T00:00:00.000Z", recurrenceInterval: "PT2H" },
    });
    expect((await openbatch(["schedule", "update", "s1"])).code).toBe(2);
  });

  it("list, show, jobs and disable", async () => {
    const list = await openbatch(["schedule", "list"]);
    expect(list.stdout).toMatch(/s1\s+active\s+p1\s+PT1H\s+2030-01-01T00:00:00.000Z\s+s1_job-1/);
    expect((await openbatch(["schedule", "show", "s1"])).stdout).toMatch(
      /^nextRunTime\s+2030-01-01T00:00:00.000Z$/m,
    );
    expect((await openbatch(["schedule", "jobs", "s1"])).stdout).toMatch(/s1_job-1\s+active/);
    expect((await openbatch(["schedule", "disable", "s1"])).stdout).toBe("Job schedule s1 is disabled.\n");
    expect(lastRequest("POST", "/jobschedules/s1/disable")).toBeDefined();
  });
});
