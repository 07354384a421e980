/**
 * A node whose machine will not be released (a provisioner's release rejects): the pool records a
 * resize error and the node leaves all the same. Real account core and SQLite store; the external
 * provisioner with its release made to fail.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Account } from "../../../service/core/account.js";
import { AgentGateway } from "../../../service/gateway/gateway.js";
import { ExternalMachines } from "../../../service/provisioners/external.js";
import { SqliteStore } from "../../../service/store/sqlite.js";

class UnreleasableMachines extends ExternalMachines {
  override release(): Promise<void> {
    return Promise.reject(new Error("the cloud said no"));
  }
}

describe("node release", () => {
  it("records a machine that would not go as a resize error, and the node still leaves", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "openbatch-release-"));
    const store = new SqliteStore(path.join(dataDir, "account.db"));
    const gateway = new AgentGateway(() => {});
    const machines = new UnreleasableMachines({
      dataDir,
      serviceUrl: () => "",
      nodeLink: gateway,
      log: () => {},
    });
    const account = new Account(
      store,
      {
        accountName: "release",
        accountKey: Buffer.alloc(32).toString("base64"),
        endpoint: "http://127.0.0.1:1",
        heartbeatIntervalMs: 5_000,
        terminateGraceMs: 5_000,
        minimumScheduleIntervalMs: 60_000,
        storageDirectory: path.join(dataDir, "storage"),
        applicationsDirectory: path.join(dataDir, "applications"),
      },
      gateway,
      machines,
    );
    account.start();
    try {
      account.pools.add({ id: "p", vmSize: "small", targetDedicatedNodes: 1 });
      expect(store.listNodes("p")).toHaveLength(1);
      account.pools.resize("p", { targetDedicatedNodes: 0 });
      await expect.poll(() => store.listNodes("p").length).toBe(0);
      const pool = store.getPool("p")!;
      expect(pool.resizeErrors).toEqual([
        { code: "NodeReleaseFailed", message: expect.stringContaining("the cloud said no") },
      ]);
      expect(pool.allocationState).toBe("steady");
    } finally {
      store.close();
    }
  });
});
