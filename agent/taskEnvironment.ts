/**
 * The environment a task process sees: a small base like a fresh login on an Azure Batch node, then the
 * user's settings from the dispatch, then the AZ_BATCH_* variables. The agent's own environment is NOT
 * inherited: it may hold the join token and other secrets of the host.
 */
import { type UserInfo, userInfo } from "node:os";
import type { DispatchKind } from "../protocol/agent.js";
import type { NodeDirectories, TaskDirectories } from "./nodeDirectories.js";

/** What the service told the agent about the node in `registered`. */
export interface NodeIdentity {
  accountName: string;
  accountUrl: string;
  poolId: string;
  nodeId: string;
  isDedicated: boolean;
}

export interface TaskEnvironmentInput {
  node: NodeIdentity;
  directories: NodeDirectories;
  task: TaskDirectories;
  kind: DispatchKind;
  jobId: string;
  taskId: string;
  /** The dispatch's user environment. */
  environment: Record<string, string>;
  /** AZ_BATCH_APP_PACKAGE_* for the pool's and the run's application packages (packageLayout.ts). */
  packageVariables?: Record<string, string>;
  /** The agent's environment, to pick the few allowed base variables from. */
  hostEnvironment?: NodeJS.ProcessEnv;
}

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/** Host variables a task may inherit: locale, time zone and temp dir settings, nothing that can hold secrets. */
const INHERITED = ["PATH", "LANG", "LC_ALL", "TZ", "TMPDIR"] as const;

let cachedUser: UserInfo<string> | undefined;

/** Tasks run as the agent's user; looking it up reads /etc/passwd, so once per process is enough. */
function agentUser(): UserInfo<string> {
  cachedUser ??= userInfo();
  return cachedUser;
}

export function buildTaskEnvironment(input: TaskEnvironmentInput): Record<string, string> {
  const host = input.hostEnvironment ?? process.env;
  const user = agentUser();
  const base: Record<string, string> = {
    PATH: DEFAULT_PATH,
    LANG: "C.UTF-8",
    HOME: user.homedir,
    USER: user.username,
    LOGNAME: user.username,
    SHELL: "/bin/sh",
  };
  for (const name of INHERITED) {
    const value = host[name];
    if (value !== undefined && value !== "") base[name] = value;
  }

  const { node, directories, task } = input;
  const batch: Record<string, string> = {
    AZ_BATCH_ACCOUNT_NAME: node.accountName,
    AZ_BATCH_ACCOUNT_URL: node.accountUrl,
    AZ_BATCH_POOL_ID: node.poolId,
    AZ_BATCH_NODE_ID: node.nodeId,
    AZ_BATCH_NODE_IS_DEDICATED: String(node.isDedicated),
    AZ_BATCH_NODE_ROOT_DIR: directories.root,
    AZ_BATCH_NODE_SHARED_DIR: directories.shared,
    AZ_BATCH_NODE_STARTUP_DIR: directories.startup,
    AZ_BATCH_NODE_STARTUP_WORKING_DIR: directories.startTask().workingDir,
    AZ_BATCH_TASK_DIR: task.taskDir,
    AZ_BATCH_TASK_WORKING_DIR: task.workingDir,
    AZ_BATCH_TASK_USER: user.username,
    AZ_BATCH_CERTIFICATES_DIR: directories.certificates,
  };
  // Azure sets the job and task ids for every task except the start task.
  if (input.kind !== "startTask") {
    batch.AZ_BATCH_JOB_ID = input.jobId;
    batch.AZ_BATCH_TASK_ID = input.taskId;
  }
  // AZ_BATCH_* last: a user setting cannot redirect the task to another node's directories.
  return { ...base, ...input.environment, ...input.packageVariables, ...batch };
}
