import type { Command } from "commander";
import { collect } from "../../client/paging.js";
import { disableJobOptions, type JobAddParameter } from "../../protocol/rest/job.js";
import { definedOnly, durationMs, integer, readJsonBody } from "../arguments.js";
import { jobColumns, prepReleaseColumns } from "../columns.js";
import { type CliContext, clientFor, globalOptions } from "../context.js";
import { UsageError } from "../errors.js";
import { examples } from "../examples.js";
import { enforceOutcome, jobOutcome, pollJob, printOutcome, progressLine } from "../jobWait.js";
import { printJson, printList, printMessage, printRecord } from "../output.js";
import { registerJobStatisticsCommand } from "./statistics.js";

interface CreateOptions {
  poolId?: string;
  priority?: number;
  jsonFile?: string;
}

function jobFromFile(id: string | undefined, options: CreateOptions): JobAddParameter {
  const flags = { "--pool-id": options.poolId, "--priority": options.priority };
  return readJsonBody(options.jsonFile!, id, "job", flags) as JobAddParameter;
}

function jobFromFlags(id: string | undefined, options: CreateOptions): JobAddParameter {
  if (!id) throw new UsageError("give the job id (or a --json-file with the whole body)");
  if (!options.poolId) throw new UsageError("--pool-id <pool> is required (or give a --json-file)");
  return definedOnly<JobAddParameter>({
    id,
    priority: options.priority,
    poolInfo: { poolId: options.poolId },
  });
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
  registerJobStatisticsCommand(job, context);

  job
    .command("create")
    .description("Create a job bound to a pool (POST /jobs); add work to it with `openbatch task add`.")
    .argument("[id]", "job id: letters, digits, - and _, up to 64 characters (or id in --json-file)")
    .option("--pool-id <pool>", "the pool whose nodes run the job's tasks (required without --json-file)")
    .option(
      "--priority <n>",
      "-1000 (lowest) to 1000 (highest); higher-priority jobs' tasks are scheduled first",
      integer,
    )
    .option(
      "--json-file <path>",
      "the whole request body, a JobAddParameter (docs/reference/jobs.md); not combined with the flags above",
    )
    .addHelpText(
      "after",
      examples(
        ["a job whose tasks run on pool p1", "openbatch job create j1 --pool-id p1"],
        [
          "a job whose tasks are scheduled before those of lower-priority jobs",
          "openbatch job create urgent --pool-id p1 --priority 100",
        ],
        [
          'a full JobAddParameter from a file: {"id":"j2","poolInfo":{"poolId":"p1"},"constraints":{...},...}',
          "openbatch job create --json-file job.json",
        ],
      ),
    )
    .action(async (id: string | undefined, options: CreateOptions, command: Command) => {
      const body = options.jsonFile ? jobFromFile(id, options) : jobFromFlags(id, options);
      const client = clientFor(command, context);
      await client.jobs.add(body);
      const { output } = globalOptions(command);
      if (output === "json") printJson(context, await client.jobs.get(body.id));
      printMessage(
        context,
        output,
        `Job ${body.id} created on pool ${body.poolInfo?.poolId}. Add tasks: openbatch task add ${body.id} <taskId> --command-line "<cmd>"`,
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
    .command("prep-release-status")
    .description(
      "The job preparation and release task on each node that prepared for the job (GET /jobs/{id}/jobpreparationandreleasetaskstatus).",
    )
    .argument("<id>", "job id")
    .addHelpText(
      "after",
      examples(
        [
          "where job j1's preparation ran, and how it and the release ended",
          "openbatch job prep-release-status j1",
        ],
        ["with exit codes and failureInfo", "openbatch job prep-release-status j1 -o json"],
      ),
    )
    .action(async (id: string, _options: unknown, command: Command) => {
      const rows = await clientFor(command, context).jobs.listPreparationAndReleaseTaskStatus(id);
      printList(
        context,
        globalOptions(command).output,
        rows,
        prepReleaseColumns,
        `No node has prepared for job ${id} yet.`,
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
    .command("wait")
    .description(
      "Wait until none of the job's tasks is active or running, or the job is completed, polling " +
        "GET /jobs/{id}/taskcounts; then print a summary and the failed tasks. On a terminal, stderr " +
        "shows the counts as they change.",
    )
    .argument("<id>", "job id")
    .option(
      "--timeout <duration>",
      "give up after this long: 90s, 10m, 1h, 500ms, or seconds (default: no limit)",
      durationMs,
    )
    .addHelpText(
      "after",
      examples(
        ["wait for job j1, then see which tasks failed", "openbatch job wait j1"],
        ["give up after ten minutes (exit 2)", "openbatch job wait j1 --timeout 10m"],
        [
          "in a script: the outcome as JSON, and the exit code",
          "openbatch job wait j1 -o json > outcome.json || echo failed",
        ],
      ) +
        "\nExit codes:\n" +
        "  0  every task of the job succeeded\n" +
        "  1  a task failed, or did not run because the job completed first (error: TasksFailed, with\n" +
        "     each failed task's id, failureInfo code and exit code); also the service's errors\n" +
        "  2  the --timeout passed first (error: Timeout), or a usage error\n",
    )
    .action(async (id: string, options: { timeout?: number }, command: Command) => {
      const client = clientFor(command, context);
      const progress = progressLine(context, id);
      const deadline = options.timeout === undefined ? undefined : Date.now() + options.timeout;
      let result: Awaited<ReturnType<typeof pollJob>>;
      try {
        result = await pollJob(client, id, { deadline, onChange: progress.show });
      } finally {
        progress.clear();
      }
      const outcome = await jobOutcome(client, id, result);
      printOutcome(context, globalOptions(command).output, outcome);
      enforceOutcome(outcome);
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
