/**
 * The Azure Batch directory layout under a node's root directory. Every path the agent uses for a task
 * comes from here, so the layout (and the AZ_BATCH_* variables that point into it) is defined once.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";

/** Where one run (a task or the start task) keeps its working directory and output files. */
export interface TaskDirectories {
  /** `AZ_BATCH_TASK_DIR`: holds `stdout.txt`, `stderr.txt` and `wd/`. */
  taskDir: string;
  /** `AZ_BATCH_TASK_WORKING_DIR`: the process's current directory. */
  workingDir: string;
  stdoutPath: string;
  stderrPath: string;
}

export class NodeDirectories {
  constructor(readonly root: string) {}

  /** `AZ_BATCH_NODE_SHARED_DIR`: read/write for every task on the node. */
  get shared(): string {
    return join(this.root, "shared");
  }

  /** `AZ_BATCH_NODE_STARTUP_DIR`: the start task's directory. */
  get startup(): string {
    return join(this.root, "startup");
  }

  get applications(): string {
    return join(this.root, "applications");
  }

  /** `AZ_BATCH_CERTIFICATES_DIR`: the certificates of the node's pool (agent/certificates.ts). */
  get certificates(): string {
    return join(this.root, "certs");
  }

  get workitems(): string {
    return join(this.root, "workitems");
  }

  /** The agent's own state (node identity, outbox, dispatch records); never shown to file requests. */
  get agentState(): string {
    return join(this.root, AGENT_STATE_DIR);
  }

  /** The agent's own log files (serviceLogs.ts). */
  get serviceLogs(): string {
    return join(this.agentState, "logs");
  }

  /** The journal of dispatch records (dispatchRecords.ts). */
  get dispatchRecords(): string {
    return join(this.agentState, "dispatches.jsonl");
  }

  /** Where each run's wrapper writes its exit status (taskWrapper.ts), one file per dispatch. */
  get exitStatuses(): string {
    return join(this.agentState, "exit");
  }

  startTask(): TaskDirectories {
    return taskDirectories(this.startup);
  }

  /** `workitems/<jobId>/job-1/<taskId>`: Azure names the job's one "job-1" subdirectory so. */
  task(jobId: string, taskId: string): TaskDirectories {
    return taskDirectories(join(this.workitems, jobId, "job-1", taskId));
  }
}

/** Name of the agent state directory under the node root. */
export const AGENT_STATE_DIR = ".agent";

function taskDirectories(taskDir: string): TaskDirectories {
  return {
    taskDir,
    workingDir: join(taskDir, "wd"),
    stdoutPath: join(taskDir, "stdout.txt"),
    stderrPath: join(taskDir, "stderr.txt"),
  };
}

/**
 * Creates `taskDir` and its `wd`. For a new task under an existing job directory that is two mkdir
 * calls, where a recursive mkdir of `wd` makes three (its first attempt fails); the first task of a job
 * and a directory that already exists take the recursive path.
 */
export function createTaskDirectories(task: TaskDirectories): void {
  try {
    mkdirSync(task.taskDir);
  } catch {
    mkdirSync(task.workingDir, { recursive: true });
    return;
  }
  mkdirSync(task.workingDir);
}
