#!/usr/bin/env node
import { processContext } from "./context.js";
import { run } from "./program.js";

// A reader that stops early (`openbatch task list j1 --watch -o json | head -1`) is not an error:
// stop quietly, as other command-line tools do.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  process.exit(process.exitCode ?? 0);
});

process.exitCode = await run(process.argv, processContext());
