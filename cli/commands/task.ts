import type { Command } from "commander";
import type { BatchClient } from "../../client/batchClient.js";
import { collect } from "../../client/paging.js";
import type { EnvironmentSetting } from "../../protocol/rest/common.js";
import type { TaskAddParameter } from "../../protocol/rest/task.js";
import { environmentSetting, overlay, positiveInteger, readJsonFile } from "../arguments.js";
import { taskAddResultColumns, taskColumns } from "../columns.js";
import { type CliContext, clientFor, globalOptions } from "../context.js";
import { CommandError, UsageError } from "../errors.js";
import { examples } from "../examples.js";
import { type OutputFormat, printJson, printList, printMessage, printRecord } from "../output.js";

interface AddOptions {
  commandLine?: string;
  env?: EnvironmentSetting[];
  requiredSlots?: number;
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
    .summary("Add a task, or a --json-file array of tasks, to a job.")
    .description(
      "Add a task to a job (POST /jobs/{jobId}/tasks). A --json-file holding an array adds them all " +
        "(POST /jobs/{jobId}/addtaskcollection, 100 per call). As on Azure Batch, the command line runs " +
        "without a shell: it is split into words with POSIX quoting and nothing else, so for pipes, " +
        "redirection, && or $VARIABLES write /bin/sh -c '...'. The task runs in " +
        "workitems/<jobId>/job-1/<taskId>/wd under its node's root, with AZ_BATCH_JOB_ID, AZ_BATCH_TASK_ID, " +
        "AZ_BATCH_NODE_ID, AZ_BATCH_TASK_WORKING_DIR, AZ_BATCH_NODE_SHARED_DIR and the other AZ_BATCH_* " +
        "variables set; its stdout.txt and stderr.txt are read with `openbatch task output`.",
    )
    .argument("<jobId>", "job id")
    .argument("[taskId]", "task id (required unless in --json-file)")
    .option(
      "--command-line <cmd>",
      "what the task runs, without a shell, e.g. \"/bin/sh -c 'echo hello > out.txt'\"",
    )
    .option("--env <NAME=VALUE>", "an environment variable for the task; repeatable", environmentSetting)
    .option("--required-slots <n>", "task slots the task occupies on its node (default 1)", positiveInteger)
    .option(
      "--json-file <path>",
      "a TaskAddParameter, or an array of them; flags override a single task's properties",
    )
    .addHelpText(
      "after",
      examples(
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
          "openbatch task add j1 --json-file tasks.json",
        ],
      ),
    )
    .action(async (jobId: string, taskId: string | undefined, options: AddOptions, command: Command) => {
      const file = options.jsonFile ? readJsonFile(options.jsonFile) : {};
      const client = clientFor(command, context);
      const { output } = globalOptions(command);
      if (Array.isArray(file)) {
        if (taskId || options.commandLine || options.env || options.requiredSlots) {
          throw new UsageError(
            "a --json-file holding an array takes no taskId, --command-line, --env or --required-slots",
          );
        }
        await addCollection(client, context, output, jobId, file as TaskAddParameter[]);
        return;
      }
      if (typeof file !== "object" || file === null) {
        throw new UsageError(`--json-file ${options.jsonFile} must hold a task object or an array of tasks`);
      }
      const body = overlay<TaskAddParameter>(file as Record<string, unknown>, {
        id: taskId,
        commandLine: options.commandLine,
        environmentSettings: options.env,
        requiredSlots: options.requiredSlots,
      });
      if (!body.id) throw new UsageError("give a taskId (or id in --json-file)");
      if (!body.commandLine)
        throw new UsageError("--command-line <cmd> is required (or commandLine in --json-file)");
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
    .addHelpText(
      "after",
      examples(
        ["every task of job j1: state, exit code, node, times", "openbatch task list j1"],
        ["the tasks still running", "openbatch task list j1 --filter \"state eq 'running'\""],
        ["as Azure CloudTask objects", "openbatch task list j1 -o json"],
      ),
    )
    .action(async (jobId: string, options: { filter?: string }, command: Command) => {
      const tasks = await collect(clientFor(command, context).tasks.list(jobId, { filter: options.filter }));
      printList(context, globalOptions(command).output, tasks, taskColumns, `No tasks in job ${jobId}.`);
    });

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
}

/** Adds the tasks in chunks, prints every result, and fails the command if any task was refused. */
async function addCollection(
  client: BatchClient,
  context: CliContext,
  output: OutputFormat,
  jobId: string,
  tasks: TaskAddParameter[],
): Promise<void> {
  const results = await client.tasks.addMany(jobId, tasks);
  printList(context, output, results, taskAddResultColumns, "The --json-file holds no tasks.");
  const refused = results.filter((result) => result.status !== "success").length;
  if (refused > 0) {
    throw new CommandError(
      "TasksNotAdded",
      `${refused} of ${results.length} tasks were not added to job ${jobId}; see their errors above`,
    );
  }
}
