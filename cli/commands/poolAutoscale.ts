/** `openbatch pool autoscale enable|disable|evaluate`: pools sized by an Azure Batch autoscale formula. */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { AutoScaleRun, PoolEnableAutoScaleParameter } from "../../protocol/rest/pool.js";
import { definedOnly } from "../arguments.js";
import { type CliContext, clientFor, globalOptions } from "../context.js";
import { CommandError, UsageError } from "../errors.js";
import { examples } from "../examples.js";
import { type Column, printMessage, printRecord } from "../output.js";

const autoScaleRunColumns: Column<AutoScaleRun>[] = [
  { header: "timestamp", value: (r) => r.timestamp },
  { header: "results", value: (r) => r.results ?? "" },
  {
    header: "error",
    value: (r) => (r.error ? (r.error.values?.map((v) => v.value).join("; ") ?? r.error.message) : ""),
  },
];

/** The formula from --formula, or from --formula-file (a formula is often several lines). */
function formulaOf(options: { formula?: string; formulaFile?: string }): string | undefined {
  if (options.formula !== undefined && options.formulaFile !== undefined)
    throw new UsageError("give --formula or --formula-file, not both");
  return options.formulaFile !== undefined ? readFileSync(options.formulaFile, "utf8") : options.formula;
}

export function registerPoolAutoscaleCommands(pool: Command, context: CliContext): void {
  const autoscale = pool
    .command("autoscale")
    .description(
      "Size a pool by an Azure Batch autoscale formula: enable (or change the formula/interval), " +
        "disable, or evaluate a formula against the pool without applying it.",
    )
    .addHelpText(
      "after",
      examples(
        [
          "size p1 by its queue",
          "openbatch pool autoscale enable p1 --formula '$TargetDedicatedNodes = min(3, $PendingTasks.GetSample(1));'",
        ],
        ["what would a formula do now", "openbatch pool autoscale evaluate p1 --formula-file scale.txt"],
      ),
    );

  autoscale
    .command("enable")
    .description(
      "Enable autoscale on a pool, or change its formula or interval (POST /pools/{id}/enableautoscale); " +
        "the formula is evaluated at once. A local account allows intervals down to PT2S (Azure: PT5M).",
    )
    .argument("<id>", "pool id")
    .option("--formula <text>", "the autoscale formula")
    .option("--formula-file <path>", "read the formula from a file")
    .option("--interval <duration>", "evaluation interval as an ISO 8601 duration (default PT15M)")
    .addHelpText(
      "after",
      examples(
        [
          "follow the queue, up to 3 nodes, every 10 s",
          "openbatch pool autoscale enable p1 --interval PT10S --formula '$TargetDedicatedNodes = min(3, $PendingTasks.GetSample(1)); $NodeDeallocationOption = taskcompletion;'",
        ],
        ["formula from a file", "openbatch pool autoscale enable p1 --formula-file scale.txt"],
      ),
    )
    .action(
      async (
        id: string,
        options: { formula?: string; formulaFile?: string; interval?: string },
        command: Command,
      ) => {
        const body = definedOnly<PoolEnableAutoScaleParameter>({
          autoScaleFormula: formulaOf(options),
          autoScaleEvaluationInterval: options.interval,
        });
        await clientFor(command, context).pools.enableAutoScale(id, body);
        printMessage(context, globalOptions(command).output, `Autoscale is enabled on pool ${id}.`);
      },
    );

  autoscale
    .command("disable")
    .description(
      "Disable autoscale on a pool (POST /pools/{id}/disableautoscale); it keeps its current size.",
    )
    .argument("<id>", "pool id")
    .addHelpText("after", examples(["stop scaling p1", "openbatch pool autoscale disable p1"]))
    .action(async (id: string, _options: unknown, command: Command) => {
      await clientFor(command, context).pools.disableAutoScale(id);
      printMessage(context, globalOptions(command).output, `Autoscale is disabled on pool ${id}.`);
    });

  autoscale
    .command("evaluate")
    .description(
      "Evaluate a formula against a pool without applying it (POST /pools/{id}/evaluateautoscale); " +
        "prints Azure's results string, or the error with its line and column. The pool must have autoscale enabled.",
    )
    .argument("<id>", "pool id")
    .option("--formula <text>", "the autoscale formula")
    .option("--formula-file <path>", "read the formula from a file")
    .addHelpText(
      "after",
      examples(
        [
          "try a formula",
          "openbatch pool autoscale evaluate p1 --formula '$TargetDedicatedNodes = $PendingTasks;'",
        ],
        ["the AutoScaleRun as JSON", "openbatch pool autoscale evaluate p1 --formula-file scale.txt -o json"],
      ),
    )
    .action(async (id: string, options: { formula?: string; formulaFile?: string }, command: Command) => {
      const formula = formulaOf(options);
      if (formula === undefined) throw new UsageError("give --formula <text> or --formula-file <path>");
      const run = await clientFor(command, context).pools.evaluateAutoScale(id, formula);
      printRecord(context, globalOptions(command).output, run, autoScaleRunColumns);
      // The run is printed either way; a formula error also makes the command fail (exit 1).
      if (run.error)
        throw new CommandError(
          run.error.code,
          `the formula does not evaluate: ${run.error.values?.map((v) => v.value).join("; ") ?? run.error.message}`,
        );
    });
}
