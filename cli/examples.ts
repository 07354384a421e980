/**
 * The "Examples:" block that ends a command's `--help` (commander's `addHelpText("after", ...)`), so that
 * every command shows how it is used, not only what its flags are called.
 */

/** One example: what it does (a `#` comment line), then the command line. */
export type Example = readonly [comment: string, commandLine: string];

export function examples(...entries: readonly Example[]): string {
  const lines = entries.flatMap(([comment, commandLine]) => [`  # ${comment}`, `  $ ${commandLine}`]);
  return `\nExamples:\n${lines.join("\n")}\n`;
}
