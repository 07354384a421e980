import type { Command } from "commander";
import type { BatchClient } from "../../client/batchClient.js";
import { BatchRequestError } from "../../client/errors.js";
import { collect } from "../../client/paging.js";
import type { ApplicationPackageReference } from "../../protocol/rest/application.js";
import type { EnvironmentSetting } from "../../protocol/rest/common.js";
import {
  MAX_TASKS_PER_COLLECTION,
  type TaskAddParameter,
  type TaskAddResult,
  type TaskUpdateParameter,
} from "../../protocol/rest/task.js";
import {
  applicationPackageReference,
  definedOnly,
  environmentSetting,
  integer,
  isJsonObject,
  positiveInteger,
  readJsonFile,
  readJsonObject,
  refuseFlagsBesideJsonFile,
  withIdArgument,
} from "../arguments.js";
import { taskAddResultColumns, taskColumns } from "../columns.js";
import { type CliContext, clientFor, globalOptions } from "../context.js";
import { CommandError, UsageError } from "../errors.js";
import { examples } from "../examples.js";
import { type OutputFormat, printJson, printList, printMessage, printRecord } from "../output.js";
import { watchTasks } from "../taskWatch.js";
import { registerSubtasksCommand } from "./taskSubtasks.js";

interface AddOptions {
  commandLine?: string;
  env?: EnvironmentSetting[];
  requiredSlots?: number;
  applicationPackage?: ApplicationPackageReference[];
  instances?: number;
  coordinationCommand?: string;
  jsonFile?: string;
}

export function registerTaskCommands(program: Command, context: CliContext): void {
  const task = program
    .command("task")
    .description(
      "Tasks: command lines that a job runs on its pool's nodes, each in its own working directory.",
    )
    .addHelpText(
      "after",
      examples(
        [
          "run a command on a node of the job's pool",
          'openbatch task add j1 t1 --command-line "/bin/echo hello"',
        ],
        ["wait until it is completed", "openbatch task list j1"],
        ["what it printed", "openbatch task output j1 t1"],
      ),
    );

  task
    .command("add")
    .alias("create")
    .summary("Add a task, or a --json-file array of tasks, to a job.")
    .description(
      "Add a task to a job (POST /jobs/{jobId}/tasks); `task create` is the same command. A --json-file " +
        "is the whole request body, as with `az batch task create --json-file`: one TaskAddParameter, or " +
        'an array of them (or {"value": [...]}), added with POST /jobs/{jobId}/addtaskcollection, 100 per ' +
        "call (docs/reference/tasks.md). As on Azure Batch, the command line runs " +
        "without a shell: it is split into words with POSIX quoting and nothing else, so for pipes, " +
        "redirection, && or $VARIABLES write /bin/sh -c '...'. The task runs in " +
        "workitems/<jobId>/job-1/<taskId>/wd under its node's root, with AZ_BATCH_JOB_ID, AZ_BATCH_TASK_ID, " +
        "AZ_BATCH_NODE_ID, AZ_BATCH_TASK_WORKING_DIR, AZ_BATCH_NODE_SHARED_DIR and the other AZ_BATCH_* " +
        "variables set; its stdout.txt and stderr.txt are read with `openbatch task output`.",
    )
    .argument("<jobId>", "job id")
    .argument("[taskId]", "task id (or id in a --json-file holding one task)")
    .option(
      "--command-line <cmd>",
      "what the task runs, without a shell, e.g. \"/bin/sh -c 'echo hello > out.txt'\"",
    )
    .option("--env <NAME=VALUE>", "an environment variable for the task; repeatable", environmentSetting)
    .option("--required-slots <n>", "task slots the task occupies on its node (default 1)", positiveInteger)
    .option(
      "--application-package <app[:version]>",
      "an application package installed before the command runs (without :version, the default); repeatable",
      applicationPackageReference,
    )
    .option(
      "--instances <n>",
      "a multi-instance (MPI) task on n nodes of a pool with inter-node communication: every node runs " +
        "--coordination-command, then the first node runs --command-line (docs/reference/tasks.md)",
      positiveInteger,
    )
    .option("--coordination-command <cmd>", "the coordination command line of a multi-instance task")
    .option(
      "--json-file <path>",
      "the whole request body: a TaskAddParameter, or an array of them; not combined with the flags above",
    )
    .addHelpText(
      "after",
      examples(
        [
          "an MPI program on 4 nodes; mpirun reaches the other nodes through openbatch-rsh",
          'openbatch task add j1 mpi --instances 4 --coordination-command "/bin/true" --command-line "mpirun ./allreduce"',
        ],
        ["a program with its arguments", 'openbatch task add j1 t1 --command-line "/bin/echo hello world"'],
        [
          "shell features need a shell; \\$ keeps your own shell from expanding the variable",
          "openbatch task add j1 t2 --command-line \"/bin/sh -c 'echo \\$AZ_BATCH_TASK_ID on \\$AZ_BATCH_NODE_ID | tr a-z A-Z'\"",
        ],
        [
          "an environment variable, and two of the node's task slots",
          'openbatch task add j1 t3 --command-line "/usr/bin/env" --env GREETING=hi --required-slots 2',
        ],
        [
          'many tasks at once: tasks.json holds [{"id":"a","commandLine":"..."}, ...]',
          "openbatch task create j1 --json-file tasks.json",
        ],
      ),
    )
    .action(async (jobId: string, taskId: string | undefined, options: AddOptions, command: Command) => {
      const body = options.jsonFile ? tasksFromFile(taskId, options) : taskFromFlags(taskId, options);
      const client = clientFor(command, context);
      const { output } = globalOptions(command);
      if (Array.isArray(body)) {
        await addCollection(client, context, output, jobId, body, options.jsonFile!);
        return;
      }
      await client.tasks.add(jobId, body);
      if (output === "json") printJson(context, await client.tasks.get(jobId, body.id));
      printMessage(
        context,
        output,
        `Task ${body.id} added to job ${jobId}. Its output: openbatch task output ${jobId} ${body.id}`,
      );
    });

  task
    .command("list")
    .description("List a job's tasks (GET /jobs/{jobId}/tasks) with state, exit code and node.")
    .argument("<jobId>", "job id")
    .option("--filter <odata>", "OData $filter, e.g. \"state eq 'completed'\"")
    .option(
      "--watch",
      "redraw the table as tasks change (-o json: print each changed task as one JSON line) until every " +
        "task has completed; exit codes as `openbatch job wait`: 0 all succeeded, 1 a task failed",
    )
    .addHelpText(
      "after",
      examples(
        ["every task of job j1: state, exit code, node, times", "openbatch task list j1"],
        ["the tasks still running", "openbatch task list j1 --filter \"state eq 'running'\""],
        ["as Azure CloudTask objects", "openbatch task list j1 -o json"],
        ["follow the tasks until they have all completed", "openbatch task list j1 --watch"],
        [
          "one JSON line per task change, e.g. to feed another program",
          "openbatch task list j1 --watch -o json | jq -c '{id, state}'",
        ],
      ),
    )
    .action(async (jobId: string, options: { filter?: string; watch?: boolean }, command: Command) => {
      const client = clientFor(command, context);
      const { output } = globalOptions(command);
      if (options.watch) {
        if (options.filter !== undefined)
          throw new UsageError("--watch follows every task; it takes no --filter");
        await watchTasks(client, context, output, jobId);
        return;
      }
      const tasks = await collect(client.tasks.list(jobId, { filter: options.filter }));
      printList(context, output, tasks, taskColumns, `No tasks in job ${jobId}.`);
    });

  registerSubtasksCommand(task, context);

  task
    .command("show")
    .description("Show a task (GET /jobs/{jobId}/tasks/{taskId}).")
    .argument("<jobId>", "job id")
    .argument("<taskId>", "task id")
    .addHelpText(
      "after",
      examples(
        ["state, exit code, node, start and end times", "openbatch task show j1 t1"],
        [
          "everything, e.g. executionInfo.failureInfo when it failed to start",
          "openbatch task show j1 t1 -o json",
        ],
      ),
    )
    .action(async (jobId: string, taskId: string, _options: unknown, command: Command) => {
      const found = await clientFor(command, context).tasks.get(jobId, taskId);
      printRecord(context, globalOptions(command).output, found, taskColumns);
    });

  task
    .command("output")
    .description(
      "Print a task's stdout.txt (or stderr.txt) from its node (GET /jobs/{jobId}/tasks/{taskId}/files/...).",
    )
    .argument("<jobId>", "job id")
    .argument("<taskId>", "task id")
    .option("--stderr", "print stderr.txt instead of stdout.txt")
    .addHelpText(
      "after",
      examples(
        ["what the task printed", "openbatch task output j1 t1"],
        ["its error output", "openbatch task output j1 t1 --stderr"],
      ),
    )
    .action(async (jobId: string, taskId: string, options: { stderr?: boolean }, command: Command) => {
      const file = options.stderr ? "stderr.txt" : "stdout.txt";
      context.stdout(await clientFor(command, context).tasks.getFile(jobId, taskId, file));
    });

  task
    .command("delete")
    .description("Delete a task (DELETE /jobs/{jobId}/tasks/{taskId}); a running task is terminated first.")
    .argument("<jobId>", "job id")
    .argument("<taskId>", "task id")
    .addHelpText("after", examples(["remove task t1 from job j1", "openbatch task delete j1 t1"]))
    .action(async (jobId: string, taskId: string, _options: unknown, command: Command) => {
      await clientFor(command, context).tasks.delete(jobId, taskId);
      printMessage(context, globalOptions(command).output, `Task ${taskId} deleted.`);
    });

  task
    .command("terminate")
    .description(
      "Terminate a task (POST /jobs/{jobId}/tasks/{taskId}/terminate): it completes without retry.",
    )
    .argument("<jobId>", "job id")
    .argument("<taskId>", "task id")
    .addHelpText("after", examples(["stop task t1 of job j1 now", "openbatch task terminate j1 t1"]))
    .action(async (jobId: string, taskId: string, _options: unknown, command: Command) => {
      await clientFor(command, context).tasks.terminate(jobId, taskId);
      printMessage(context, globalOptions(command).output, `Task ${taskId} terminated.`);
    });

  task
    .command("reactivate")
    .description(
      "Run a failed task again, its retry count reset (POST /jobs/{jobId}/tasks/{taskId}/reactivate); tasks that depend on it run once it succeeds.",
    )
    .argument("<jobId>", "job id")
    .argument("<taskId>", "task id")
    .addHelpText("after", examples(["run failed task t1 of job j1 again", "openbatch task reactivate j1 t1"]))
    .action(async (jobId: string, taskId: string, _options: unknown, command: Command) => {
      await clientFor(command, context).tasks.reactivate(jobId, taskId);
      printMessage(context, globalOptions(command).output, `Task ${taskId} reactivated: it is active again.`);
    });

  task
    .command("update")
    .description(
      "Replace a task's constraints, for its next runs (PUT /jobs/{jobId}/tasks/{taskId}); constraints not given go back to their defaults.",
    )
    .argument("<jobId>", "job id")
    .argument("<taskId>", "task id")
    .option("--max-task-retry-count <n>", "retries after a failure (-1: no limit)", integer)
    .option("--max-wall-clock-time <duration>", "ISO 8601 duration after which a run is killed, e.g. PT30M")
    .option(
      "--retention-time <duration>",
      "how long the node keeps the task directory after it ends, e.g. P1D",
    )
    .option(
      "--json-file <path>",
      'the whole TaskUpdateParameter ({"constraints": {...}}); not combined with the flags above',
    )
    .addHelpText(
      "after",
      examples(
        [
          "allow three retries and an hour per run",
          "openbatch task update j1 t1 --max-task-retry-count 3 --max-wall-clock-time PT1H",
        ],
        ["from a file", "openbatch task update j1 t1 --json-file constraints.json"],
      ),
    )
    .action(async (jobId: string, taskId: string, options: UpdateOptions, command: Command) => {
      const constraints = definedOnly<NonNullable<TaskUpdateParameter["constraints"]>>({
        maxTaskRetryCount: options.maxTaskRetryCount,
        maxWallClockTime: options.maxWallClockTime,
        retentionTime: options.retentionTime,
      });
      let body: TaskUpdateParameter;
      if (options.jsonFile) {
        refuseFlagsBesideJsonFile(options.jsonFile, {
          "--max-task-retry-count": options.maxTaskRetryCount,
          "--max-wall-clock-time": options.maxWallClockTime,
          "--retention-time": options.retentionTime,
        });
        body = readJsonObject(options.jsonFile) as TaskUpdateParameter;
      } else {
        if (Object.keys(constraints).length === 0)
          throw new UsageError(
            "give at least one of --max-task-retry-count, --max-wall-clock-time, --retention-time, --json-file",
          );
        body = { constraints };
      }
      await clientFor(command, context).tasks.update(jobId, taskId, body);
      printMessage(context, globalOptions(command).output, `Task ${taskId} updated.`);
    });
}

interface UpdateOptions {
  maxTaskRetryCount?: number;
  maxWallClockTime?: string;
  retentionTime?: string;
  jsonFile?: string;
}

/**
 * A `--json-file` of tasks: one TaskAddParameter, or several (an array, or Azure's
 * `{"value": [...]}` collection body).
 */
function tasksFromFile(
  taskId: string | undefined,
  options: AddOptions,
): TaskAddParameter | TaskAddParameter[] {
  const path = options.jsonFile!;
  refuseFlagsBesideJsonFile(path, {
    "--command-line": options.commandLine,
    "--env": options.env,
    "--required-slots": options.requiredSlots,
    "--application-package": options.applicationPackage,
    "--instances": options.instances,
    "--coordination-command": options.coordinationCommand,
  });
  const content = readJsonFile(path);
  const collection = Array.isArray(content)
    ? content
    : isJsonObject(content) && Array.isArray(content.value)
      ? content.value
      : undefined;
  if (collection) {
    if (taskId !== undefined)
      throw new UsageError(`--json-file ${path} holds several tasks with their own ids; give no taskId`);
    if (collection.length === 0) throw new UsageError(`--json-file ${path} holds no tasks`);
    return collection as TaskAddParameter[];
  }
  if (!isJsonObject(content)) {
    throw new UsageError(
      `--json-file ${path} must hold a task object, an array of tasks, or {"value": [tasks]}`,
    );
  }
  return withIdArgument(content, taskId, path, "task") as TaskAddParameter;
}

function taskFromFlags(taskId: string | undefined, options: AddOptions): TaskAddParameter {
  if (!taskId) throw new UsageError("give a taskId (or a --json-file with the whole body)");
  if (!options.commandLine) throw new UsageError("--command-line <cmd> is required (or give a --json-file)");
  return definedOnly<TaskAddParameter>({
    id: taskId,
    commandLine: options.commandLine,
    environmentSettings: options.env,
    requiredSlots: options.requiredSlots,
    applicationPackageReferences: options.applicationPackage,
    multiInstanceSettings: multiInstanceFromFlags(options),
  });
}

function multiInstanceFromFlags(options: AddOptions): TaskAddParameter["multiInstanceSettings"] {
  if (options.instances === undefined) {
    if (options.coordinationCommand !== undefined)
      throw new UsageError("--coordination-command is for multi-instance tasks; give --instances <n> too");
    return undefined;
  }
  return { numberOfInstances: options.instances, coordinationCommandLine: options.coordinationCommand ?? "" };
}

/**
 * Adds the tasks with addtaskcollection, 100 per call, one call after another so that a refused call
 * can say which tasks of the file it held (the service's `value[i]` counts within the call). Prints
 * every result and fails the command if any task was refused.
 */
async function addCollection(
  client: BatchClient,
  context: CliContext,
  output: OutputFormat,
  jobId: string,
  tasks: TaskAddParameter[],
  path: string,
): Promise<void> {
  const results: TaskAddResult[] = [];
  for (let first = 0; first < tasks.length; first += MAX_TASKS_PER_COLLECTION) {
    const chunk = tasks.slice(first, first + MAX_TASKS_PER_COLLECTION);
    try {
      results.push(...(await client.tasks.addCollection(jobId, chunk)).value);
    } catch (error) {
      if (error instanceof BatchRequestError) {
        if (results.length > 0) printList(context, output, results, taskAddResultColumns, "");
        const added =
          first === 0 ? "nothing was added" : `tasks 1 to ${first} were sent before (results above)`;
        context.stderr(
          `The service refused tasks ${first + 1} to ${first + chunk.length} of ${path} (its value[0] is task ${first + 1} of the file); ${added}.\n`,
        );
      }
      throw error;
    }
  }
  printList(context, output, results, taskAddResultColumns, `${path} holds no tasks.`);
  const refused = results.filter((result) => result.status !== "success").length;
  if (refused > 0) {
    throw new CommandError(
      "TasksNotAdded",
      `${refused} of ${results.length} tasks were not added to job ${jobId}; see their errors above`,
    );
  }
}
