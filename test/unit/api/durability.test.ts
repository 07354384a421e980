/**
 * A 201 means the task is on disk: it is there after the service restarts on the same data
 * directory, and also in a copy of the data directory taken the moment the 201 arrived (what a crash
 * at that moment would leave behind).
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Task } from "../../../protocol/rest/task.js";
import {
  type ApiService,
  addPoolAndJob,
  expectOk,
  makeDataDir,
  signedFetch,
  startApi,
} from "./apiHarness.js";

/** The files of a data directory that hold the account: its key and the SQLite database with its WAL. */
const ACCOUNT_FILES = ["account.json", "account.db", "account.db-wal"];

/**
 * Copies the account files synchronously: the store writes on this same thread, so nothing can change
 * them while they are copied. The WAL's uncommitted frames are ignored when the copy is opened, as
 * after a crash; `-shm` is left out and rebuilt.
 */
function snapshot(dataDir: string, name: string): string {
  const copy = makeDataDir(name);
  for (const file of ACCOUNT_FILES) {
    const from = path.join(dataDir, file);
    if (fs.existsSync(from)) fs.copyFileSync(from, path.join(copy, file));
  }
  return copy;
}

describe("durability of an accepted task", () => {
  const running: ApiService[] = [];
  const start = async (name: string, dataDir?: string) => {
    const service = await startApi(name, dataDir);
    running.push(service);
    return service;
  };
  const stop = async (service: ApiService) => {
    running.splice(running.indexOf(service), 1);
    await service.close();
  };
  afterAll(async () => {
    for (const service of running) await service.dispose();
  });

  const addTask = async (service: ApiService, id: string) => {
    const response = await signedFetch(service, "POST", "/jobs/job/tasks", {
      id,
      commandLine: "/bin/echo kept",
      environmentSettings: [{ name: "A", value: "1" }],
    });
    await expectOk(response, 201);
  };

  const expectTask = async (service: ApiService, id: string) => {
    const response = await expectOk(await signedFetch(service, "GET", `/jobs/job/tasks/${id}`));
    const task = (await response.json()) as Task;
    expect(task).toMatchObject({
      id,
      commandLine: "/bin/echo kept",
      environmentSettings: [{ name: "A", value: "1" }],
      state: "active",
    });
  };

  it("keeps a task added just before the service closed", async () => {
    const first = await start("durable");
    await addPoolAndJob(first, "pool", "job");
    await addTask(first, "task");
    await stop(first);

    const second = await start("durable", first.dataDir);
    expect(second.accountKey).toBe(first.accountKey);
    expect(second.endpoint).not.toBe("");
    await expectTask(second, "task");
    const list = await expectOk(await signedFetch(second, "GET", "/jobs/job/tasks"));
    expect(((await list.json()) as { value: Task[] }).value.map((t) => t.id)).toEqual(["task"]);
    await expectOk(await signedFetch(second, "GET", "/pools/pool"));
    await expectOk(await signedFetch(second, "GET", "/jobs/job"));
  });

  it("has the task on disk the moment the 201 arrives", async () => {
    const service = await start("crash");
    await addPoolAndJob(service, "pool", "job");
    await addTask(service, "task");
    const copy = snapshot(service.dataDir, "crash-copy");

    const restarted = await start("crash-copy", copy);
    await expectTask(restarted, "task");
  });
});
