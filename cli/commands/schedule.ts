import type { Command } from "commander";
import { collect } from "../../client/paging.js";
import type { JobScheduleAddParameter, Schedule } from "../../protocol/rest/jobSchedule.js";
import { readJsonBody, readJsonObject } from "../arguments.js";
import { jobColumns, jobScheduleColumns } from "../columns.js";
import { type CliContext, clientFor, globalOptions } from "../context.js";
import { UsageError } from "../errors.js";
import { examples } from "../examples.js";
import { printJson, printList, printMessage, printRecord } from "../output.js";

/** The flags that set `schedule` properties, named after them. */
interface ScheduleFlags {
  doNotRunUntil?: string;
  doNotRunAfter?: string;
  startWindow?: string;
  recurrenceInterval?: string;
}

interface CreateOptions extends ScheduleFlags {
  poolId?: string;
  jsonFile?: string;
}

interface UpdateOptions extends ScheduleFlags {
  jsonFile?: string;
}

export function registerScheduleCommands(program: Command, context: CliContext): void {
  const schedule = program
    .command("schedule")
    .description(
      "Job schedules: jobs created from a job specification at a time, then on a recurrence, at most one " +
        "active at a time (Azure Batch job schedules). Their jobs are named <scheduleId>_job-<n>.",
    )
    .addHelpText(
      "after",
      examples(
        [
          "a job on pool p1 every hour, starting now",
          "openbatch schedule create hourly --pool-id p1 --recurrence-interval PT1H",
        ],
        ["when the next one is due, and the last one created", "openbatch schedule show hourly"],
        ["the jobs it has created", "openbatch schedule jobs hourly"],
      ),
    );

  withScheduleFlags(
    schedule
      .command("create")
      .description(
        "Create a job schedule (POST /jobschedules). Without --do-not-run-until its first job is created " +
          "at once; without --recurrence-interval it creates one job and completes when that job does.",
      )
      .argument("[id]", "schedule id: letters, digits, - and _, up to 64 characters (or id in --json-file)")
      .option("--pool-id <pool>", "the pool of the jobs it creates (jobSpecification.poolInfo.poolId)"),
  )
    .option(
      "--json-file <path>",
      "the whole request body, a JobScheduleAddParameter, as `az batch job-schedule create --json-file` takes; not combined with the flags above",
    )
    .addHelpText(
      "after",
      examples(
        [
          "a job on pool p1 every day at 02:00 UTC, from tomorrow",
          "openbatch schedule create nightly --pool-id p1 --do-not-run-until 2030-01-02T02:00:00Z --recurrence-interval P1D",
        ],
        [
          "every 10 minutes until the end of the year; an occurrence not started within 2 minutes is skipped",
          "openbatch schedule create often --pool-id p1 --recurrence-interval PT10M --start-window PT2M --do-not-run-after 2030-12-31T23:59:59Z",
        ],
        [
          "a whole JobScheduleAddParameter (jobSpecification with constraints, metadata...) from a file",
          "openbatch schedule create --json-file schedule.json",
        ],
      ),
    )
    .action(async (id: string | undefined, options: CreateOptions, command: Command) => {
      const body = options.jsonFile ? scheduleFromFile(id, options) : scheduleFromFlags(id, options);
      const client = clientFor(command, context);
      await client.jobSchedules.add(body);
      const { output } = globalOptions(command);
      if (output === "json") printJson(context, await client.jobSchedules.get(body.id));
      printMessage(
        context,
        output,
        `Job schedule ${body.id} created. Its jobs: openbatch schedule jobs ${body.id}`,
      );
    });

  schedule
    .command("list")
    .description("List the account's job schedules (GET /jobschedules), following every page.")
    .option("--filter <odata>", "OData $filter, e.g. \"state eq 'active'\"")
    .addHelpText(
      "after",
      examples(
        ["every job schedule", "openbatch schedule list"],
        ["the ones still creating jobs", "openbatch schedule list --filter \"state eq 'active'\""],
      ),
    )
    .action(async (options: { filter?: string }, command: Command) => {
      const schedules = await collect(
        clientFor(command, context).jobSchedules.list({ filter: options.filter }),
      );
      printList(context, globalOptions(command).output, schedules, jobScheduleColumns, "No job schedules.");
    });

  schedule
    .command("show")
    .description("Show a job schedule (GET /jobschedules/{id}): state, next run time, most recent job.")
    .argument("<id>", "schedule id")
    .addHelpText(
      "after",
      examples(
        ["state, nextRunTime, recentJob", "openbatch schedule show nightly"],
        ["the whole CloudJobSchedule, with its jobSpecification", "openbatch schedule show nightly -o json"],
      ),
    )
    .action(async (id: string, _options: unknown, command: Command) => {
      const found = await clientFor(command, context).jobSchedules.get(id);
      printRecord(context, globalOptions(command).output, found, jobScheduleColumns);
    });

  withScheduleFlags(
    schedule
      .command("update")
      .description(
        "Change a job schedule (PATCH /jobschedules/{id}). The flags change those properties of its " +
          "schedule and keep the others; a new schedule applies from the next occurrence. Jobs already " +
          "created are not changed.",
      )
      .argument("<id>", "schedule id"),
  )
    .option(
      "--json-file <path>",
      "a JobSchedulePatchParameter: the schedule, jobSpecification or metadata given replace the current ones",
    )
    .addHelpText(
      "after",
      examples(
        ["every 2 hours from now on", "openbatch schedule update nightly --recurrence-interval PT2H"],
        [
          "stop creating jobs after a date",
          "openbatch schedule update nightly --do-not-run-after 2031-01-01T00:00:00Z",
        ],
        ["a new jobSpecification from a file", "openbatch schedule update nightly --json-file patch.json"],
      ),
    )
    .action(async (id: string, options: UpdateOptions, command: Command) => {
      const changes = options.jsonFile ? readJsonObject(options.jsonFile) : {};
      const flags = scheduleFlags(options);
      if (Object.keys(flags).length === 0 && !options.jsonFile)
        throw new UsageError(
          "Give at least one of --do-not-run-until, --do-not-run-after, --start-window, --recurrence-interval, --json-file.",
        );
      const client = clientFor(command, context);
      if (Object.keys(flags).length > 0) {
        // PATCH replaces the whole schedule: the flags are laid over the current one.
        const current =
          (changes.schedule as Schedule | undefined) ?? (await client.jobSchedules.get(id)).schedule;
        changes.schedule = { ...current, ...flags };
      }
      await client.jobSchedules.patch(id, changes);
      printMessage(context, globalOptions(command).output, `Job schedule ${id} updated.`);
    });

  const simple = [
    [
      "disable",
      "Stop creating jobs (POST /jobschedules/{id}/disable); occurrences due meanwhile are skipped.",
      "disabled",
      "pause the schedule",
    ],
    ["enable", "Create jobs again (POST /jobschedules/{id}/enable).", "enabled", "resume it"],
    [
      "terminate",
      "Stop the schedule for good (POST /jobschedules/{id}/terminate): its active job is terminated and it completes.",
      "terminating",
      "no more jobs from it",
    ],
    [
      "delete",
      "Delete a job schedule and every job it created (DELETE /jobschedules/{id}).",
      "being deleted, with its jobs",
      "the schedule, its jobs and their tasks",
    ],
  ] as const;
  for (const [name, description, outcome, example] of simple) {
    schedule
      .command(name)
      .description(description)
      .argument("<id>", "schedule id")
      .addHelpText("after", examples([example, `openbatch schedule ${name} nightly`]))
      .action(async (id: string, _options: unknown, command: Command) => {
        await clientFor(command, context).jobSchedules[name](id);
        printMessage(context, globalOptions(command).output, `Job schedule ${id} is ${outcome}.`);
      });
  }

  schedule
    .command("jobs")
    .description("List the jobs a schedule has created (GET /jobschedules/{id}/jobs), oldest first.")
    .argument("<id>", "schedule id")
    .option("--filter <odata>", "OData $filter, e.g. \"state eq 'active'\"")
    .addHelpText(
      "after",
      examples(
        ["every job it created", "openbatch schedule jobs nightly"],
        ["its active job, if any", "openbatch schedule jobs nightly --filter \"state eq 'active'\""],
      ),
    )
    .action(async (id: string, options: { filter?: string }, command: Command) => {
      const jobs = await collect(
        clientFor(command, context).jobSchedules.listJobs(id, { filter: options.filter }),
      );
      printList(context, globalOptions(command).output, jobs, jobColumns, `Job schedule ${id} has no jobs.`);
    });
}

function withScheduleFlags(command: Command): Command {
  return command
    .option("--do-not-run-until <time>", "no job before this ISO 8601 time, e.g. 2030-01-01T09:00:00Z")
    .option("--do-not-run-after <time>", "no job after this ISO 8601 time; the schedule then completes")
    .option(
      "--start-window <duration>",
      "how late after its due time an occurrence may still create its job, e.g. PT5M (default unlimited)",
    )
    .option(
      "--recurrence-interval <duration>",
      "time between jobs, e.g. PT1H or P1D (default: one job only)",
    );
}

function scheduleFromFile(id: string | undefined, options: CreateOptions): JobScheduleAddParameter {
  const flags = {
    "--pool-id": options.poolId,
    "--do-not-run-until": options.doNotRunUntil,
    "--do-not-run-after": options.doNotRunAfter,
    "--start-window": options.startWindow,
    "--recurrence-interval": options.recurrenceInterval,
  };
  return readJsonBody(options.jsonFile!, id, "job schedule", flags) as JobScheduleAddParameter;
}

function scheduleFromFlags(id: string | undefined, options: CreateOptions): JobScheduleAddParameter {
  if (!id) throw new UsageError("give the schedule's id (or a --json-file with the whole body)");
  if (!options.poolId) throw new UsageError("--pool-id <pool> is required (or give a --json-file)");
  return { id, schedule: scheduleFlags(options), jobSpecification: { poolInfo: { poolId: options.poolId } } };
}

function scheduleFlags(options: ScheduleFlags): Schedule {
  const { doNotRunUntil, doNotRunAfter, startWindow, recurrenceInterval } = options;
  const flags = { doNotRunUntil, doNotRunAfter, startWindow, recurrenceInterval };
  return Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined));
}
