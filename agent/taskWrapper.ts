/**
 * Every task process runs under a minimal `/bin/sh` wrapper that writes the command's exit status to a
 * file of its own (`<root>/.agent/exit/<dispatch id>`), so that an agent that restarts while a task runs
 * still learns how the task ended: a process that is not your child leaves no exit status to wait for.
 *
 * The wrapper keeps what the agent observed before it existed:
 * - It is the leader of the task's process group; the command is its child, in the same group, so a
 *   terminate (SIGTERM to the group, SIGKILL after the grace) reaches both.
 * - It traps TERM, INT and HUP with a handler (`:`), never ignores them: an ignored signal would stay
 *   ignored in the command across exec, a handled one is reset to its default. A trapped signal waits
 *   until the command has ended, so the wrapper outlives it to write the status.
 * - A command killed by signal n leaves status 128+n; the wrapper then kills itself with the same
 *   signal, so the agent sees the signal (and reports 128+n) exactly as it did without the wrapper.
 *   Signals that cannot kill (stop, continue, child, urgent, window change) are not re-raised: such a
 *   status can only be a plain exit. Above 31 (real-time signals) the status is passed on as a number.
 *   The shell cannot tell `exit 130` from death by SIGINT: both are re-raised, so a plain exit with
 *   such a status is reported with the same exit code and a `signal` field (which the service ignores).
 * - Its own stderr goes to /dev/null; the command, exec'd in a subshell, gets the task's stderr.txt
 *   back on fd 2. So the shell says nothing of its own ("Segmentation fault", printed by a shell whose
 *   foreground child died of a signal) into the task's output. Only the subshell's failure to exec the
 *   program is written there ("openbatch-task: 4: exec: /x: not found"), where a direct spawn wrote
 *   nothing: it helps, and no exit code goes with it.
 * - A program that cannot be run makes the shell exit 127 (not found) or 126 (not executable), where
 *   a direct spawn failed; `execProblem` tells those apart from a command that exits 126/127 itself.
 *   (A file with no `#!` line and no executable format runs as a shell script, as execvp(3) does.)
 */
import {
  accessSync,
  closeSync,
  constants,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
} from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";

/** `$0` of every wrapper: how `ps` and a restarted agent recognise one. */
export const WRAPPER_NAME = "openbatch-task";

const WRAPPER_SCRIPT = `s=$1; shift
exec 3>&2 2>/dev/null
trap : TERM INT HUP
(exec "$@" 2>&3 3>&-)
c=$?
echo $c >"$s"
if [ $c -gt 128 ] && [ $c -lt 160 ]; then
  case $((c - 128)) in 17|18|19|20|21|22|23|28) ;; *) trap - TERM INT HUP; ulimit -c 0; kill -$((c - 128)) $$ ;; esac
fi
exit $c`;

/** The argv that runs `argv` under the wrapper, its exit status going to `statusPath`. */
export function wrappedArgv(statusPath: string, argv: string[]): string[] {
  return ["/bin/sh", "-c", WRAPPER_SCRIPT, WRAPPER_NAME, statusPath, ...argv];
}

/** Where the wrapper of `dispatchId` writes its status, under `exitDirectory` (one file per run). */
export function statusPathOf(exitDirectory: string, dispatchId: string): string {
  return join(exitDirectory, encodeURIComponent(dispatchId));
}

/** The exit status the wrapper wrote; `undefined` when it wrote none (it was SIGKILLed) or a torn one. */
export function readExitStatus(statusPath: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(statusPath, "utf8");
  } catch {
    return undefined;
  }
  return /^\d{1,3}\n$/.test(text) ? Number(text.trim()) : undefined;
}

/**
 * When the wrapper exited 126 or 127, whether that was the shell failing to run the program rather
 * than the program's own exit status: the errno a direct spawn would have failed with (`ENOENT` for
 * the program or the interpreter of its `#!` line, `EACCES`), or `undefined`.
 */
export function execProblem(
  exitCode: number | undefined,
  program: string,
  cwd: string,
  path: string | undefined,
): "ENOENT" | "EACCES" | undefined {
  if (exitCode !== 126 && exitCode !== 127) return undefined;
  const candidates = program.includes("/")
    ? [resolve(cwd, program)]
    : (path ?? "").split(delimiter).map((dir) => resolve(cwd, dir || ".", program));
  let denied = false;
  for (const file of candidates) {
    try {
      if (!statSync(file).isFile()) {
        denied = true;
        continue;
      }
      accessSync(file, constants.X_OK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EACCES") denied = true;
      continue;
    }
    return interpreterMissing(file) ? "ENOENT" : undefined;
  }
  return denied ? "EACCES" : "ENOENT";
}

function interpreterMissing(file: string): boolean {
  const buffer = Buffer.alloc(256);
  let head: string;
  try {
    const fd = openSync(file, "r");
    try {
      head = buffer.toString("latin1", 0, readSync(fd, buffer));
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
  if (!head.startsWith("#!")) return false;
  const interpreter = head.slice(2).split("\n")[0]!.trim().split(/\s+/)[0] ?? "";
  if (!isAbsolute(interpreter)) return false;
  try {
    accessSync(interpreter, constants.X_OK);
    return false;
  } catch {
    return true;
  }
}

/**
 * Wrappers still running whose status file is under `exitDirectory`, with the dispatch each belongs
 * to: how a restarted agent finds the processes of the runs it recorded (before their spawn).
 */
export function runningWrappers(exitDirectory: string): { pid: number; dispatchId: string }[] {
  const prefix = `${exitDirectory}/`;
  const found: { pid: number; dispatchId: string }[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return found; // no /proc: nothing to find this way
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
    } catch {
      continue; // gone meanwhile
    }
    // ["/bin/sh", "-c", script, WRAPPER_NAME, statusPath, ...]
    if (argv[3] !== WRAPPER_NAME || !argv[4]?.startsWith(prefix)) continue;
    found.push({ pid: Number(entry), dispatchId: decodeURIComponent(argv[4].slice(prefix.length)) });
  }
  return found;
}
