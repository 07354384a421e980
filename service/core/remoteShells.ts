/**
 * The service's half of `openbatch-rsh`: relays a remote shell session between two nodes of the same
 * multi-instance task, as ssh would connect them. The origin agent opens a session naming a host (an
 * address from the task's hostfile, or a node id); the service checks that both nodes run an instance
 * of that task, gives the session an id of its own, and forwards the command to the target's agent,
 * its output and exit code back to the origin, and a close from the origin to the target.
 */
import type { RemoteShellOpenMessage, RemoteShellOutputMessage } from "../../protocol/agent.js";
import type { Account } from "./account.js";
import { nodeKey } from "./dispatches.js";

interface Session {
  origin: { poolId: string; nodeId: string; sessionId: string };
  target: { poolId: string; nodeId: string };
}

/** The exit code ssh reports when it could not run the command at all. */
const COULD_NOT_RUN = 255;

export class RemoteShells {
  private readonly sessions = new Map<string, Session>();
  /** Service session id by `<origin node>/<origin session id>`, for closes from the origin. */
  private readonly byOrigin = new Map<string, string>();
  private counter = 0;

  constructor(private readonly account: Account) {}

  open(poolId: string, nodeId: string, msg: RemoteShellOpenMessage): void {
    const target = this.targetOf(poolId, nodeId, msg);
    if (typeof target === "string") {
      this.toOrigin(poolId, nodeId, msg.sessionId, `openbatch-rsh: ${target}\n`);
      this.account.nodeLink.send(poolId, nodeId, {
        type: "remoteShellExit",
        sessionId: msg.sessionId,
        exitCode: COULD_NOT_RUN,
      });
      return;
    }
    const id = `rsh${++this.counter}`;
    this.sessions.set(id, { origin: { poolId, nodeId, sessionId: msg.sessionId }, target });
    this.byOrigin.set(`${nodeKey(poolId, nodeId)}/${msg.sessionId}`, id);
    const sent = this.account.nodeLink.send(target.poolId, target.nodeId, {
      type: "remoteShellStart",
      sessionId: id,
      jobId: msg.jobId,
      taskId: msg.taskId,
      command: msg.command,
    });
    if (!sent) this.fail(id, `node ${target.nodeId} is not connected`);
  }

  /** Output from the target: to the origin. */
  output(poolId: string, nodeId: string, msg: RemoteShellOutputMessage): void {
    const session = this.fromTarget(poolId, nodeId, msg.sessionId);
    if (!session) return;
    const { origin } = session;
    this.account.nodeLink.send(origin.poolId, origin.nodeId, { ...msg, sessionId: origin.sessionId });
  }

  /** The target's command ended: the origin's `openbatch-rsh` exits with its code. */
  exit(poolId: string, nodeId: string, sessionId: string, exitCode: number): void {
    const session = this.fromTarget(poolId, nodeId, sessionId);
    if (!session) return;
    this.forget(sessionId, session);
    const { origin } = session;
    this.account.nodeLink.send(origin.poolId, origin.nodeId, {
      type: "remoteShellExit",
      sessionId: origin.sessionId,
      exitCode,
    });
  }

  /** The origin's `openbatch-rsh` went away: the target kills the command. */
  close(poolId: string, nodeId: string, originSessionId: string): void {
    const id = this.byOrigin.get(`${nodeKey(poolId, nodeId)}/${originSessionId}`);
    const session = id && this.sessions.get(id);
    if (!id || !session) return;
    this.forget(id, session);
    this.account.nodeLink.send(session.target.poolId, session.target.nodeId, {
      type: "remoteShellClose",
      sessionId: id,
    });
  }

  /** A node's agent disconnected: its sessions end on the other side. */
  nodeGone(poolId: string, nodeId: string): void {
    for (const [id, session] of this.sessions) {
      if (session.target.poolId === poolId && session.target.nodeId === nodeId)
        this.fail(id, `the connection to node ${nodeId} was lost`);
      else if (session.origin.poolId === poolId && session.origin.nodeId === nodeId)
        this.close(poolId, nodeId, session.origin.sessionId);
    }
  }

  /** The node the session may run on, or why it may not. */
  private targetOf(poolId: string, nodeId: string, msg: RemoteShellOpenMessage) {
    const { store, dispatches } = this.account;
    const run = store.getTask(msg.jobId, msg.taskId)?.multiInstance;
    const live = run?.ended ? [] : (run?.instances ?? []).filter((i) => dispatches.get(i.dispatchId));
    if (!live.some((i) => i.poolId === poolId && i.nodeId === nodeId))
      return `node ${nodeId} runs no instance of task ${msg.taskId} in job ${msg.jobId}; openbatch-rsh works only inside a running multi-instance task`;
    const target = live.find(
      (i) => i.nodeId === msg.host || store.getNode(i.poolId, i.nodeId)?.ipAddress === msg.host,
    );
    if (!target)
      return `host '${msg.host}' is not a node of task ${msg.taskId}; use an address from $AZ_BATCH_HOST_LIST`;
    return { poolId: target.poolId, nodeId: target.nodeId };
  }

  private fail(id: string, why: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    const { origin } = session;
    this.toOrigin(origin.poolId, origin.nodeId, origin.sessionId, `openbatch-rsh: ${why}\n`);
    this.exit(session.target.poolId, session.target.nodeId, id, COULD_NOT_RUN);
  }

  private toOrigin(poolId: string, nodeId: string, sessionId: string, text: string): void {
    this.account.nodeLink.send(poolId, nodeId, {
      type: "remoteShellOutput",
      sessionId,
      stream: "stderr",
      data: Buffer.from(text).toString("base64"),
    });
  }

  private fromTarget(poolId: string, nodeId: string, sessionId: string): Session | undefined {
    const session = this.sessions.get(sessionId);
    const ok = session && session.target.poolId === poolId && session.target.nodeId === nodeId;
    return ok ? session : undefined;
  }

  private forget(id: string, session: Session): void {
    this.sessions.delete(id);
    this.byOrigin.delete(
      `${nodeKey(session.origin.poolId, session.origin.nodeId)}/${session.origin.sessionId}`,
    );
  }
}
