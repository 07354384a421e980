/**
 * `openbatch-rsh [ssh options] <host> <command words...>`: ssh's calling convention, so that Open MPI
 * (`plm_rsh_agent`) and MPICH's hydra (`-launcher ssh -launcher-exec`) start their daemons with it.
 * It asks its own node's agent (over the unix socket named by `OPENBATCH_RSH_SOCKET`) to run the
 * command on `host`, a node of the same multi-instance task; the agent relays it through the service
 * to that node's agent, which runs it with `/bin/sh -c` in the task's context. Output and exit code
 * come back as ssh's would: exit 255 when the command could not be run at all.
 */
import { connect } from "node:net";
import { createInterface } from "node:readline";

const COULD_NOT_RUN = 255;
/** ssh options that take a value (`-l user`, `-p port`, ...). */
const WITH_VALUE = new Set(["-l", "-p", "-o", "-i", "-F", "-E", "-b", "-c", "-m", "-e"]);

function fail(message: string): never {
  process.stderr.write(`openbatch-rsh: ${message}\n`);
  process.exit(COULD_NOT_RUN);
}

const args = process.argv.slice(2);
while (args[0]?.startsWith("-")) args.splice(0, WITH_VALUE.has(args[0]) ? 2 : 1);
const host = args.shift();
if (!host || args.length === 0) fail("usage: openbatch-rsh [ssh options] <host> <command...>");
const socketPath = process.env.OPENBATCH_RSH_SOCKET;
const jobId = process.env.AZ_BATCH_JOB_ID;
const taskId = process.env.AZ_BATCH_TASK_ID;
if (!socketPath || !jobId || !taskId)
  fail(
    "OPENBATCH_RSH_SOCKET, AZ_BATCH_JOB_ID and AZ_BATCH_TASK_ID must be set: run it inside a multi-instance task",
  );

const socket = connect(socketPath);
// ssh joins its command words with spaces and the remote shell parses the result: so do we.
socket.write(`${JSON.stringify({ host, command: args.join(" "), jobId, taskId })}\n`);
let exitCode: number | undefined;
createInterface({ input: socket }).on("line", (line) => {
  const message = JSON.parse(line) as { stream?: "stdout" | "stderr"; data?: string; exit?: number };
  if (message.exit !== undefined) exitCode = message.exit;
  else if (message.stream && message.data) process[message.stream].write(Buffer.from(message.data, "base64"));
});
socket.on("error", (error) => fail(`cannot reach the node agent at ${socketPath}: ${error.message}`));
socket.on("close", () => {
  if (exitCode === undefined) fail("the node agent closed the session before the command ended");
  process.exitCode = exitCode;
});
// Killed (mpirun ending its launchers): close the session, so that the remote command is killed too.
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
  process.on(signal, () => {
    socket.destroy();
    process.exit(128 + (signal === "SIGTERM" ? 15 : signal === "SIGINT" ? 2 : 1));
  });
}
