import type { Command } from "commander";
import { collect } from "../../client/paging.js";
import { disableJobOptions, type JobAddParameter } from "../../protocol/rest/job.js";
import { integer, overlay, readJsonObject } from "../arguments.js";
import { jobColumns } from "../columns.js";
import { type CliContext, clientFor, globalOptions } from "../context.js";
import { UsageError } from "../errors.js";
import { examples } from "../examples.js";
import { printJson, printList, printMessage, printRecord } from "../output.js";

interface CreateOptions {
  poolId?: string;
  priority?: number;
  jsonFile?: string;
}

export function registerJobCommands(program: Command, context: CliContext): void {
  const job = program
    .command("job")
    .description("Jobs: collections of tasks that run on one pool.")
    .addHelpText(
      "after",
      examples(
        ["a job whose tasks run on pool p1", "openbatch job create j1 --pool-id p1"],
        ["a task in it", 'openbatch task add j1 t1 --command-line "/bin/echo hello"'],
        ["its tasks' states", "openbatch task list j1"],
        ["stop its tasks and complete it", "openbatch job terminate j1"],
      ),
    );

  job
    .command("create")
    .description("Create a job bound to a pool (POST /jobs); add work to it with `openbatch task add`.")
    .argument("<id>", "job id: letters, digits, - and _, up to 64 characters")
    .option("--pool-id <pool>", "the pool whose nodes run the job's tasks (required unless in --json-file)")
    .option(
      "--priority <n>",
      "-1000 (lowest) to 1000 (highest); higher-priority jobs' tasks are scheduled first",
      integer,
    )
    .option("--json-file <path>", "a JobAddParameter body; the flags above override its properties")
    .addHelpText(
      "after",
      examples(
        ["a job whose tasks run on pool p1", "openbatch job create j1 --pool-id p1"],
        [
          "a job whose tasks are scheduled before those of lower-priority jobs",
          "openbatch job create urgent --pool-id p1 --priority 100",
        ],
        ["a full JobAddParameter from a file", "openbatch job create j2 --json-file job.json"],
      ),
    )
    .action(async (id: string, options: CreateOptions, command: Command) => {
      const base = options.jsonFile ? readJsonObject(options.jsonFile) : {};
      const body = overlay<JobAddParameter>(base, {
        id,
        priority: options.priority,
        poolInfo: options.poolId ? { poolId: options.poolId } : undefined,
      });
      if (!body.poolInfo?.poolId)
        throw new UsageError("--pool-id <pool> is required (or poolInfo.poolId in --json-file)");
      const client = clientFor(command, context);
      await client.jobs.add(body);
      const { output } = globalOptions(command);
      if (output === "json") printJson(context, await client.jobs.get(id));
      printMessage(
        context,
        output,
        `Job ${id} created on pool ${body.poolInfo.poolId}. Add tasks: openbatch task add ${id} <taskId> --command-line "<cmd>"`,
      );
    });

  job
    .command("list")
    .description("List the account's jobs (GET /jobs), following every page.")
    .option("--filter <odata>", "OData $filter, e.g. \"state eq 'active'\"")
    .addHelpText(
      "after",
      examples(
        ["every job", "openbatch job list"],
        ["the jobs that are done", "openbatch job list --filter \"state eq 'completed'\""],
      ),
    )
    .action(async (options: { filter?: string }, command: Command) => {
      const jobs = await collect(clientFor(command, context).jobs.list({ filter: options.filter }));
      printList(context, globalOptions(command).output, jobs, jobColumns, "No jobs.");
    });

  job
    .command("show")
    .description("Show a job (GET /jobs/{id}).")
    .argument("<id>", "job id")
    .addHelpText(
      "after",
      examples(
        ["state, priority, pool", "openbatch job show j1"],
        ["the whole CloudJob, e.g. its executionInfo.terminateReason", "openbatch job show j1 -o json"],
      ),
    )
    .action(async (id: string, _options: unknown, command: Command) => {
      printRecord(
        context,
        globalOptions(command).output,
        await clientFor(command, context).jobs.get(id),
        jobColumns,
      );
    });

  job
    .command("update")
    .description(
      "Change a job's priority, parallelism or retries (PATCH /jobs/{id}); waiting tasks follow the new priority at once.",
    )
    .argument("<id>", "job id")
    .option("--priority <n>", "-1000 (lowest) to 1000 (highest)", integer)
    .option("--max-parallel-tasks <n>", "tasks of this job running at once; -1 for no limit", integer)
    .option("--max-task-retry-count <n>", "default retries for its tasks; -1 for unlimited", integer)
    .addHelpText(
      "after",
      examples(
        ["let the job's waiting tasks go first", "openbatch job update j1 --priority 900"],
        ["run at most 4 of its tasks at once", "openbatch job update j1 --max-parallel-tasks 4"],
      ),
    )
    .action(
      async (
        id: string,
        options: { priority?: number; maxParallelTasks?: number; maxTaskRetryCount?: number },
        command: Command,
      ) => {
        const changes = {
          priority: options.priority,
          maxParallelTasks: options.maxParallelTasks,
          constraints:
            options.maxTaskRetryCount === undefined
              ? undefined
              : { maxTaskRetryCount: options.maxTaskRetryCount },
        };
        if (Object.values(changes).every((v) => v === undefined)) {
          throw new UsageError(
            "Give at least one of --priority, --max-parallel-tasks, --max-task-retry-count.",
          );
        }
        await clientFor(command, context).jobs.patch(id, changes);
        printMessage(context, globalOptions(command).output, `Job ${id} updated.`);
      },
    );

  job
    .command("disable")
    .description("Stop starting the job's tasks (POST /jobs/{id}/disable); say what happens to running ones.")
    .argument("<id>", "job id")
    .requiredOption(
      "--disable-tasks <what>",
      "requeue (kill and queue again), terminate (kill; they complete as terminated) or wait (let them finish)",
    )
    .addHelpText(
      "after",
      examples(
        ["pause a job, letting running tasks finish", "openbatch job disable j1 --disable-tasks wait"],
        [
          "pause it now; its running tasks run again later",
          "openbatch job disable j1 --disable-tasks requeue",
        ],
      ),
    )
    .action(async (id: string, options: { disableTasks: string }, command: Command) => {
      const what = disableJobOptions.find((a) => a === options.disableTasks);
      if (!what)
        throw new UsageError(
          `--disable-tasks must be one of ${disableJobOptions.join(", ")}, not '${options.disableTasks}'.`,
        );
      await clientFor(command, context).jobs.disable(id, what);
      printMessage(context, globalOptions(command).output, `Job ${id} is being disabled (${what}).`);
    });

  job
    .command("enable")
    .description("Schedule a disabled job's tasks again (POST /jobs/{id}/enable).")
    .argument("<id>", "job id")
    .addHelpText("after", examples(["resume the job", "openbatch job enable j1"]))
    .action(async (id: string, _options: unknown, command: Command) => {
      await clientFor(command, context).jobs.enable(id);
      printMessage(context, globalOptions(command).output, `Job ${id} is enabled.`);
    });

  job
    .command("delete")
    .description("Delete a job and all its tasks (DELETE /jobs/{id}); running tasks are terminated.")
    .argument("<id>", "job id")
    .addHelpText("after", examples(["the job, its tasks and their records", "openbatch job delete j1"]))
    .action(async (id: string, _options: unknown, command: Command) => {
      await clientFor(command, context).jobs.delete(id);
      printMessage(context, globalOptions(command).output, `Job ${id} is being deleted.`);
    });

  job
    .command("terminate")
    .description(
      "Terminate a job (POST /jobs/{id}/terminate): running tasks are stopped and the job completes.",
    )
    .argument("<id>", "job id")
    .option("--reason <text>", "terminateReason recorded in the job's executionInfo")
    .addHelpText(
      "after",
      examples(["stop the job, saying why", 'openbatch job terminate j1 --reason "results are in"']),
    )
    .action(async (id: string, options: { reason?: string }, command: Command) => {
      await clientFor(command, context).jobs.terminate(id, options.reason);
      printMessage(context, globalOptions(command).output, `Job ${id} is terminating.`);
    });
}
