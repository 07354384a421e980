/** `openbatch task subtasks`: the subtasks of a multi-instance task (GET .../subtasksinfo). */
import type { Command } from "commander";
import type { SubtaskInformation } from "../../protocol/rest/task.js";
import { type CliContext, clientFor, globalOptions } from "../context.js";
import { examples } from "../examples.js";
import { type Column, printList } from "../output.js";

const subtaskColumns: Column<SubtaskInformation>[] = [
  { header: "id", value: (s) => s.id },
  { header: "state", value: (s) => s.state },
  { header: "exitCode", value: (s) => s.exitCode },
  { header: "node", value: (s) => s.nodeInfo?.nodeId },
  { header: "startTime", value: (s) => s.startTime },
  { header: "endTime", value: (s) => s.endTime },
  { header: "failure", value: (s) => s.failureInfo?.message },
];

export function registerSubtasksCommand(task: Command, context: CliContext): void {
  task
    .command("subtasks")
    .description(
      "List the subtasks of a multi-instance task (GET /jobs/{jobId}/tasks/{taskId}/subtasksinfo): ids 1 " +
        "to numberOfInstances - 1, each on its own node; the primary is the task itself (`task show`).",
    )
    .argument("<jobId>", "job id")
    .argument("<taskId>", "task id")
    .addHelpText(
      "after",
      examples(
        ["where each instance of an MPI task ran, and how it ended", "openbatch task subtasks j1 mpi"],
        ["as Azure SubtaskInformation objects", "openbatch task subtasks j1 mpi -o json"],
      ),
    )
    .action(async (jobId: string, taskId: string, _options: unknown, command: Command) => {
      const subtasks = await clientFor(command, context).tasks.listSubtasks(jobId, taskId);
      printList(
        context,
        globalOptions(command).output,
        subtasks,
        subtaskColumns,
        `Task ${taskId} has no subtasks: it is not a multi-instance task, or it has not run yet.`,
      );
    });
}
