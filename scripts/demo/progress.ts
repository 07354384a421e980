/** What the demo prints while it waits: one rewritten line on a terminal, plain lines (on change) otherwise. */
import type { Task } from "../../protocol/rest/task.js";

export class ProgressLine {
  private last = "";
  private open = false;

  constructor(private readonly stream: NodeJS.WriteStream = process.stdout) {}

  /** Shows `text`; on a terminal it replaces the previous progress line, elsewhere only changes print. */
  update(text: string): void {
    if (text === this.last) return;
    this.last = text;
    if (this.stream.isTTY) {
      const width = this.stream.columns ?? 120;
      const shown = text.length > width - 1 ? `${text.slice(0, width - 2)}…` : text;
      this.stream.write(`\r\x1b[2K${shown}`);
      this.open = true;
    } else {
      this.stream.write(`${text}\n`);
    }
  }

  /** Ends the progress line so that the next output starts on a fresh line. */
  done(): void {
    if (this.open) this.stream.write("\n");
    this.open = false;
    this.last = "";
  }
}

/** `tasks: 12/24 completed, 4 running, 8 active — tvmps_000001_d: 2 running, tvmps_000002_d: 2 running` */
export function taskSummary(tasks: readonly Task[], nodeIds: readonly string[]): string {
  const count = (state: Task["state"]) => tasks.filter((t) => t.state === state).length;
  const running = tasks.filter((t) => t.state === "running" || t.state === "preparing");
  const perNode = nodeIds.map((id) => {
    const n = running.filter((t) => t.nodeInfo?.nodeId === id).length;
    return `${id}: ${n} running`;
  });
  return (
    `tasks: ${count("completed")}/${tasks.length} completed, ${running.length} running, ${count("active")} active` +
    (perNode.length > 0 ? ` — ${perNode.join(", ")}` : "")
  );
}

/** Left-aligned columns, two spaces apart; numbers right-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [headers.map(String), ...rows.map((row) => row.map(String))];
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((row) => typeof row[i] === "number"));
  const widths = headers.map((_, i) => Math.max(...cells.map((line) => line[i]!.length)));
  return cells
    .map((line) =>
      line
        .map((text, i) => (numeric[i] ? text.padStart(widths[i]!) : text.padEnd(widths[i]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** Seconds between two ISO timestamps, e.g. `0.42 s`; `-` when either is missing. */
export function duration(start: string | undefined, end: string | undefined): string {
  if (!start || !end) return "-";
  return `${((Date.parse(end) - Date.parse(start)) / 1000).toFixed(2)} s`;
}
