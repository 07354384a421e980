import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { CliContext } from "../../../cli/context.js";
import { run } from "../../../cli/program.js";
import { replicaServiceFile, SERVICE_FILE, writeServiceFile } from "../../../protocol/serviceFile.js";

/** Stand-ins for running services: processes that live until signalled. */
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

function fakeService(dataDir: string, name: string, port: number): ChildProcess {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  children.push(child);
  writeServiceFile(
    dataDir,
    {
      pid: child.pid!,
      endpoint: `http://127.0.0.1:${port}`,
      accountName: "acct",
      startedAt: new Date().toISOString(),
    },
    name,
  );
  return child;
}

async function stop(dataDir: string, extra: string[] = []): Promise<{ code: number; stdout: string }> {
  let stdout = "";
  const context: CliContext = {
    env: {},
    stdout: (text) => {
      stdout += text;
    },
    stderr: () => {},
    untilShutdown: () => new Promise(() => {}),
    startService: () => Promise.reject(new Error("not in this test")),
  };
  const code = await run(["node", "openbatch", "service", "stop", "--data-dir", dataDir, ...extra], context);
  return { code, stdout };
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once("exit", () => resolve()));

describe("openbatch service stop", () => {
  it("stops the service of a data directory, and says so when there is none", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "openbatch-stop-"));
    const service = fakeService(dataDir, SERVICE_FILE, 8765);
    const { code, stdout } = await stop(dataDir);
    expect(code).toBe(0);
    await exited(service);
    expect(stdout).toContain(`Stopped the service on ${dataDir} (pid ${service.pid}, http://127.0.0.1:8765)`);
    expect(existsSync(join(dataDir, SERVICE_FILE))).toBe(false);
    expect((await stop(dataDir)).stdout).toBe(`No service is running on ${dataDir}.\n`);
  });

  it("stops every replica on the data directory, or only the one on --port", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "openbatch-stop-"));
    const first = fakeService(dataDir, replicaServiceFile(8001), 8001);
    const second = fakeService(dataDir, replicaServiceFile(8002), 8002);
    const third = fakeService(dataDir, replicaServiceFile(8003), 8003);

    const one = await stop(dataDir, ["--port", "8002"]);
    expect(one.code).toBe(0);
    await exited(second);
    expect(one.stdout).toBe(
      `Stopped the service on ${dataDir} (pid ${second.pid}, http://127.0.0.1:8002).\n`,
    );
    expect(first.exitCode ?? first.signalCode).toBeNull();
    expect((await stop(dataDir, ["--port", "8002"])).stdout).toBe(
      `No service is running on ${dataDir} on port 8002.\n`,
    );

    const rest = await stop(dataDir);
    await Promise.all([exited(first), exited(third)]);
    expect(rest.stdout.split("\n").filter(Boolean)).toHaveLength(2);
    expect(existsSync(join(dataDir, replicaServiceFile(8001)))).toBe(false);
    expect(existsSync(join(dataDir, replicaServiceFile(8003)))).toBe(false);
  });
});
