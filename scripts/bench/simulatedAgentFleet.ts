/**
 * The simulated-agent processes of a control-plane run (scripts/bench/simulatedAgents.ts), started
 * together and read as one fleet: registrations, heartbeat round trips and task reports summed over
 * the processes. Stopped by their PIDs.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { EventEmitter, once } from "node:events";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { withRaisedFileLimit } from "./fileLimit.js";
import type { SimulatedAgentReport } from "./simulatedAgents.js";

const ENTRY = resolve(import.meta.dirname, "simulatedAgents.js");
const STOP_GRACE_MS = 5_000;
/** Errors kept verbatim for the report; the rest are only counted. */
const KEPT_ERRORS = 10;

interface Member {
  child: ChildProcess;
  registered: number;
  failed: number;
  tasks: Extract<SimulatedAgentReport, { type: "tasks" }>;
}

export interface FleetTasks {
  started: number;
  completed: number;
  firstStartedAt?: number;
  lastCompletedAt?: number;
}

export class SimulatedAgentFleet {
  private readonly members: Member[] = [];
  private readonly changes = new EventEmitter();
  private recording?: number[];
  private stopping = false;
  readonly errors: string[] = [];
  errorCount = 0;
  unanswered = 0;

  /** Starts ceil(total / perProcess) processes, each registering its share of the pool file's nodes. */
  constructor(poolFile: string, total: number, perProcess: number) {
    this.changes.setMaxListeners(0);
    for (let from = 0; from < total; from += perProcess) {
      const count = Math.min(perProcess, total - from);
      const [command, args] = withRaisedFileLimit(process.execPath, [
        ENTRY,
        "--pool-file",
        poolFile,
        "--from",
        String(from),
        "--count",
        String(count),
      ]);
      const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
      const member: Member = {
        child,
        registered: 0,
        failed: 0,
        tasks: { type: "tasks", started: 0, completed: 0 },
      };
      this.members.push(member);
      createInterface({ input: child.stdout! }).on("line", (line) => this.read(member, line));
      createInterface({ input: child.stderr! }).on("line", (line) => this.error(`agents ${from}+: ${line}`));
      child.on("exit", (code, signal) => {
        if (!this.stopping) this.error(`agents ${from}+ exited (${signal ?? code})`);
        this.changes.emit("change");
      });
    }
  }

  get processes(): number {
    return this.members.length;
  }

  get registered(): number {
    return this.members.reduce((sum, m) => sum + m.registered, 0);
  }

  get failed(): number {
    return this.members.reduce((sum, m) => sum + m.failed, 0);
  }

  get exited(): boolean {
    return this.members.some((m) => m.child.exitCode !== null || m.child.signalCode !== null);
  }

  tasks(): FleetTasks {
    const all = this.members.map((m) => m.tasks);
    const first = all.flatMap((t) => (t.firstStartedAt === undefined ? [] : [t.firstStartedAt]));
    const last = all.flatMap((t) => (t.lastCompletedAt === undefined ? [] : [t.lastCompletedAt]));
    return {
      started: all.reduce((sum, t) => sum + t.started, 0),
      completed: all.reduce((sum, t) => sum + t.completed, 0),
      firstStartedAt: first.length > 0 ? Math.min(...first) : undefined,
      lastCompletedAt: last.length > 0 ? Math.max(...last) : undefined,
    };
  }

  /** Keeps heartbeat round trips from now until `stopRecording`. */
  startRecording(): void {
    this.recording = [];
    this.unanswered = 0;
  }

  stopRecording(): number[] {
    const samples = this.recording ?? [];
    this.recording = undefined;
    return samples;
  }

  /** Resolves when `condition` holds after some report; rejects at `timeoutMs` or when a process exits. */
  async until(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
    const signal = AbortSignal.timeout(timeoutMs);
    while (!condition()) {
      if (this.exited)
        throw new Error(
          `a simulated-agent process exited while waiting for ${what}: ${this.errors.join("; ")}`,
        );
      try {
        await once(this.changes, "change", { signal });
      } catch {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      }
    }
  }

  /** SIGTERM to each process by its PID, SIGKILL after a grace; resolves when all have exited. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.members.map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, "exit");
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  private read(member: Member, line: string): void {
    let report: SimulatedAgentReport;
    try {
      report = JSON.parse(line) as SimulatedAgentReport;
    } catch {
      this.error(`not a report: ${line.slice(0, 200)}`);
      return;
    }
    switch (report.type) {
      case "registered":
        member.registered = report.count;
        member.failed = report.failed;
        break;
      case "heartbeats":
        if (this.recording) {
          for (const rtt of report.rttMs) this.recording.push(rtt);
          this.unanswered += report.unanswered;
        }
        break;
      case "tasks":
        member.tasks = report;
        break;
      case "error":
        this.error(report.message);
        break;
    }
    this.changes.emit("change");
  }

  private error(message: string): void {
    this.errorCount++;
    if (this.errors.length < KEPT_ERRORS) this.errors.push(message);
  }
}
