import { userInfo } from "node:os";
import { describe, expect, it } from "vitest";
import { NodeDirectories } from "../../../agent/nodeDirectories.js";
import { buildTaskEnvironment, type TaskEnvironmentInput } from "../../../agent/taskEnvironment.js";

const directories = new NodeDirectories("/nodes/n1");
const node = {
  accountName: "acct",
  accountUrl: "http://localhost:8080/",
  poolId: "pool1",
  nodeId: "node1",
  isDedicated: false,
};

function build(overrides: Partial<TaskEnvironmentInput> = {}) {
  return buildTaskEnvironment({
    node,
    directories,
    task: directories.task("job1", "task1"),
    kind: "task",
    jobId: "job1",
    taskId: "task1",
    environment: {},
    hostEnvironment: {
      PATH: "/host/bin",
      OPENBATCH_JOIN_TOKEN: "secret",
      HOME: "/root",
      AWS_SECRET_ACCESS_KEY: "x",
    },
    ...overrides,
  });
}

describe("buildTaskEnvironment", () => {
  it("sets the Azure Batch variables for a task", () => {
    expect(build()).toMatchObject({
      AZ_BATCH_ACCOUNT_NAME: "acct",
      AZ_BATCH_ACCOUNT_URL: "http://localhost:8080/",
      AZ_BATCH_POOL_ID: "pool1",
      AZ_BATCH_NODE_ID: "node1",
      AZ_BATCH_NODE_IS_DEDICATED: "false",
      AZ_BATCH_NODE_ROOT_DIR: "/nodes/n1",
      AZ_BATCH_NODE_SHARED_DIR: "/nodes/n1/shared",
      AZ_BATCH_NODE_STARTUP_DIR: "/nodes/n1/startup",
      AZ_BATCH_NODE_STARTUP_WORKING_DIR: "/nodes/n1/startup/wd",
      AZ_BATCH_JOB_ID: "job1",
      AZ_BATCH_TASK_ID: "task1",
      AZ_BATCH_TASK_DIR: "/nodes/n1/workitems/job1/job-1/task1",
      AZ_BATCH_TASK_WORKING_DIR: "/nodes/n1/workitems/job1/job-1/task1/wd",
      AZ_BATCH_CERTIFICATES_DIR: "/nodes/n1/certs",
      AZ_BATCH_TASK_USER: userInfo().username,
    });
  });

  it("does not leak the agent's environment, only the allowed base variables", () => {
    const env = build();
    expect(env.PATH).toBe("/host/bin");
    expect(env.OPENBATCH_JOIN_TOKEN).toBeUndefined();
    expect(env.AWS_SECRET_ACCESS_KEY).toBeUndefined();
    expect(env.HOME).toBe(userInfo().homedir);
    expect(env.LANG).toBe("C.UTF-8");
  });

  it("falls back to a standard PATH", () => {
    expect(build({ hostEnvironment: {} }).PATH).toBe(
      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    );
  });

  it("applies the user's environment over the base, and AZ_BATCH_* over both", () => {
    const env = build({ environment: { PATH: "/opt/tool/bin", MODE: "fast", AZ_BATCH_NODE_ID: "spoofed" } });
    expect(env.PATH).toBe("/opt/tool/bin");
    expect(env.MODE).toBe("fast");
    expect(env.AZ_BATCH_NODE_ID).toBe("node1");
  });

  it("gives a start task no job or task id and points it at startup/", () => {
    const env = build({ kind: "startTask", jobId: "", taskId: "", task: directories.startTask() });
    expect(env.AZ_BATCH_JOB_ID).toBeUndefined();
    expect(env.AZ_BATCH_TASK_ID).toBeUndefined();
    expect(env.AZ_BATCH_TASK_DIR).toBe("/nodes/n1/startup");
    expect(env.AZ_BATCH_TASK_WORKING_DIR).toBe("/nodes/n1/startup/wd");
  });
});
