/**
 * The last lines each daemon of the bench cluster wrote, for the error that says why Slurm did not start.
 */
import { existsSync, readFileSync } from "node:fs";
import { NODE_NAMES, type SlurmLayout } from "./slurmConfig.js";

const TAIL_LINES = 12;

export function logTails(layout: SlurmLayout): string {
  const daemons = [
    { name: "munged", files: [layout.consoleLog("munged")] },
    { name: "slurmctld", files: [layout.slurmctldLog, layout.consoleLog("slurmctld")] },
    ...NODE_NAMES.map((node) => ({
      name: `slurmd ${node}`,
      files: [layout.slurmdLog(node), layout.consoleLog(`slurmd.${node}`)],
    })),
  ];
  return daemons.map(({ name, files }) => `--- ${name}: ${tailOfFirst(files)}`).join("\n");
}

/** The log file once the daemon has opened it, else its console (where a fatal config error goes). */
function tailOfFirst(files: string[]): string {
  const file = files.find(existsSync);
  if (file === undefined) return "(no log written)";
  const lines = readFileSync(file, "utf8").trimEnd().split("\n").slice(-TAIL_LINES);
  return `${file}\n${lines.join("\n")}`;
}
