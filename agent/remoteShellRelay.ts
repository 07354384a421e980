/**
 * The origin end of `openbatch-rsh` on a node: a unix socket in the node root that the command
 * connects to. Each connection is one session: its first line names the host, command and task; the
 * agent sends it to the service as `remoteShellOpen` and writes the output and exit code that come
 * back to the socket, one JSON line each. A connection that closes first ends the remote command.
 */
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { OutgoingAgentMessage } from "../protocol/agent.js";
import { errorText, type Log } from "./log.js";

/** A unix socket path must fit in sun_path (108 bytes); a deeper node root gets one under /tmp. */
const MAX_SOCKET_PATH = 100;

export class RemoteShellRelay {
  readonly socketPath: string;
  /** The directory holding the `openbatch-rsh` command, for the tasks' PATH. */
  readonly binDirectory: string;
  readonly #sessions = new Map<string, Socket>();
  #server: Server | undefined;
  #counter = 0;

  constructor(
    agentState: string,
    private readonly send: (message: OutgoingAgentMessage) => boolean,
    private readonly log: Log,
  ) {
    const inRoot = join(agentState, "rsh.sock");
    this.socketPath =
      inRoot.length <= MAX_SOCKET_PATH
        ? inRoot
        : `/tmp/openbatch-rsh-${createHash("sha256").update(inRoot).digest("hex").slice(0, 16)}.sock`;
    this.binDirectory = join(agentState, "bin");
  }

  /** Writes the `openbatch-rsh` command and listens for it. */
  start(): void {
    mkdirSync(this.binDirectory, { recursive: true });
    const client = fileURLToPath(new URL("./rsh/openbatchRsh.js", import.meta.url));
    const command = join(this.binDirectory, "openbatch-rsh");
    writeFileSync(command, `#!/bin/sh\nexec '${process.execPath}' '${client}' "$@"\n`);
    chmodSync(command, 0o755);
    rmSync(this.socketPath, { force: true });
    this.#server = createServer((socket) => this.#accept(socket));
    this.#server.on("error", (error) =>
      this.log.error(`rsh: socket ${this.socketPath}: ${errorText(error)}`),
    );
    this.#server.listen(this.socketPath, () => chmodSync(this.socketPath, 0o600));
  }

  stop(): void {
    this.#server?.close();
    this.failAll("the node agent is stopping");
  }

  /** Output of a session from the service. */
  output(sessionId: string, stream: "stdout" | "stderr", data: string): void {
    this.#sessions.get(sessionId)?.write(`${JSON.stringify({ stream, data })}\n`);
  }

  /** The remote command ended: `openbatch-rsh` exits with its code. */
  exit(sessionId: string, exitCode: number): void {
    const socket = this.#sessions.get(sessionId);
    this.#sessions.delete(sessionId);
    socket?.end(`${JSON.stringify({ exit: exitCode })}\n`);
  }

  /** The connection to the service is gone: every session ends as ssh's would on a lost connection. */
  failAll(why: string): void {
    for (const sessionId of [...this.#sessions.keys()]) {
      this.output(sessionId, "stderr", Buffer.from(`openbatch-rsh: ${why}\n`).toString("base64"));
      this.exit(sessionId, 255);
    }
  }

  #accept(socket: Socket): void {
    const sessionId = `s${++this.#counter}`;
    const lines = createInterface({ input: socket });
    lines.once("line", (line) => {
      lines.close();
      let request: { host: string; command: string; jobId: string; taskId: string };
      try {
        request = JSON.parse(line);
      } catch {
        socket.destroy();
        return;
      }
      this.#sessions.set(sessionId, socket);
      if (!this.send({ type: "remoteShellOpen", sessionId, ...request })) {
        this.output(
          sessionId,
          "stderr",
          Buffer.from("openbatch-rsh: the node agent is not connected to the service\n").toString("base64"),
        );
        this.exit(sessionId, 255);
      }
    });
    socket.on("error", () => socket.destroy());
    socket.on("close", () => {
      if (!this.#sessions.delete(sessionId)) return;
      this.send({ type: "remoteShellClose", sessionId });
    });
  }
}
