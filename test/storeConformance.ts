/**
 * The Store conformance suite: what every store (service/store/store.ts) must do, run against SQLite
 * (test/unit/service/sqliteStore.test.ts) and PostgreSQL (test/integration/postgresStore.test.ts).
 * Records here carry only what a store looks at (ids, seq, state, the fields its sums read).
 */
import { afterEach, describe, expect, it } from "vitest";
import type {
  ApplicationPackageRecord,
  ApplicationRecord,
  CertificateRecord,
  JobRecord,
  JobScheduleRecord,
  NodeRecord,
  PoolRecord,
  TaskRecord,
  VirtualNetworkRecord,
} from "../service/core/records.js";
import type { Store } from "../service/store/store.js";

export interface StoreFixture {
  store: Store;
  /** Flushes and closes the current store and opens the same database again. */
  reopen(): Promise<Store>;
  /** Closes whatever is open and removes the database. */
  cleanup(): Promise<void>;
}

const at = "2026-01-01T00:00:00.000Z";

export function task(
  jobId: string,
  id: string,
  seq: number,
  state: TaskRecord["state"] = "active",
): TaskRecord {
  return {
    jobId,
    id,
    seq,
    version: 1,
    creationTime: at,
    lastModified: at,
    spec: { id, commandLine: "/bin/true" },
    state,
    stateTransitionTime: at,
    executionInfo: { retryCount: 0, requeueCount: 0 },
  };
}

function completed(t: TaskRecord, start: string, end: string, result: "success" | "failure", retries = 0) {
  return {
    ...t,
    state: "completed" as const,
    executionInfo: { ...t.executionInfo, startTime: start, endTime: end, result, retryCount: retries },
  };
}

const pool = (id: string, seq: number) => ({ id, seq, state: "active" }) as unknown as PoolRecord;
const node = (poolId: string, id: string) =>
  ({ poolId, id, state: "idle", machine: { rootDirectory: `/n/${id}` } }) as unknown as NodeRecord;
const job = (id: string, seq: number, state = "active", jobScheduleId?: string) =>
  ({ id, seq, state, jobScheduleId }) as unknown as JobRecord;
const schedule = (id: string, seq: number, state = "active") =>
  ({ id, seq, state }) as unknown as JobScheduleRecord;
const certificate = (thumbprint: string, seq: number, state = "active") =>
  ({ thumbprint, seq, state, data: "c2VjcmV0" }) as unknown as CertificateRecord;
const application = (id: string, version = 1) => ({ id, version }) as unknown as ApplicationRecord;
const appPackage = (applicationId: string, version: string) =>
  ({ applicationId, version, state: "active" }) as unknown as ApplicationPackageRecord;
const network = (name: string) => ({ name, addressPrefix: "10.0.0.0/24" }) as unknown as VirtualNetworkRecord;

const ids = (records: { id: string }[]) => records.map((r) => r.id);

export function describeStoreConformance(name: string, open: () => Promise<StoreFixture>): void {
  describe(`Store conformance: ${name}`, () => {
    let fixture: StoreFixture | undefined;
    const start = async () => {
      fixture = await open();
      return fixture;
    };
    afterEach(async () => {
      await fixture?.cleanup();
      fixture = undefined;
    });

    it("pools: get returns copies, lists page by seq, delete takes the pool's nodes along", async () => {
      const { store, reopen } = await start();
      for (const [id, seq] of [
        ["b", 2],
        ["a", 1],
        ["c", 3],
      ] as const)
        store.putPool(pool(id, seq));
      const got = store.getPool("a")!;
      got.state = "deleting";
      expect(store.getPool("a")?.state).toBe("active");
      expect(ids(store.listPools({ limit: 2 }))).toEqual(["a", "b"]);
      expect(ids(store.listPools({ afterSeq: 2, limit: 10 }))).toEqual(["c"]);
      store.putNode(node("a", "n1"));
      // Deletes after a commit, so that they meet rows already written.
      await store.flush();
      store.deletePool("a");
      expect(store.getPool("a")).toBeUndefined();
      expect(store.listNodes("a")).toEqual([]);
      const again = await reopen();
      expect(ids(again.listPools({ limit: 10 }))).toEqual(["b", "c"]);
      expect(again.listNodes("a")).toEqual([]);
    });

    it("nodes: the object put is the one read; changes not put stay in memory", async () => {
      const { store, reopen } = await start();
      const n2 = node("p", "n2");
      store.putNode(n2);
      store.putNode(node("p", "n1"));
      store.putNode(node("q", "n3"));
      expect(store.getNode("p", "n2")).toBe(n2);
      // Insertion order while running; id order after a reopen.
      expect(ids(store.listNodes("p"))).toEqual(["n2", "n1"]);
      n2.state = "running";
      expect(store.getNode("p", "n2")?.state).toBe("running");
      await store.flush();
      store.deleteNode("q", "n3");
      expect(store.getNode("q", "n3")).toBeUndefined();
      const again = await reopen();
      expect(ids(again.listNodes("p"))).toEqual(["n1", "n2"]);
      expect(again.getNode("p", "n2")?.state).toBe("idle");
      expect(again.listNodes("q")).toEqual([]);
    });

    it("jobs: get by id keeps the object; lists page by seq, state and schedule", async () => {
      const { store, reopen } = await start();
      const j1 = job("j1", 1);
      store.putJob(j1);
      store.putJob(job("j2", 2, "completed", "s"));
      store.putJob(job("j3", 3, "active", "s"));
      store.putJob(job("j4", 4, "active", "t"));
      expect(store.getJob("j1")).toBe(j1);
      expect(ids(store.listJobs({ limit: 10 }))).toEqual(["j1", "j2", "j3", "j4"]);
      expect(ids(store.listJobs({ limit: 10, state: "active", afterSeq: 1 }))).toEqual(["j3", "j4"]);
      expect(ids(store.listJobsOfSchedule("s", { limit: 10 }))).toEqual(["j2", "j3"]);
      expect(ids(store.listJobsOfSchedule("s", { limit: 10, state: "completed" }))).toEqual(["j2"]);
      expect(ids(store.listJobsOfSchedule("s", { limit: 1, afterSeq: 2 }))).toEqual(["j3"]);
      // A state change moves the job between the state lists.
      store.putJob({ ...j1, state: "completed" });
      expect(ids(store.listJobs({ limit: 10, state: "completed" }))).toEqual(["j1", "j2"]);
      await store.flush();
      store.deleteJob("j2");
      expect(store.getJob("j2")).toBeUndefined();
      const again = await reopen();
      expect(ids(again.listJobs({ limit: 10 }))).toEqual(["j1", "j3", "j4"]);
      expect(again.getJob("j1")?.state).toBe("completed");
      expect(ids(again.listJobsOfSchedule("s", { limit: 10 }))).toEqual(["j3"]);
    });

    it("job schedules and certificates: get, list by seq and state, delete", async () => {
      const { store, reopen } = await start();
      store.putJobSchedule(schedule("s1", 1));
      store.putJobSchedule(schedule("s2", 2, "completed"));
      store.putJobSchedule(schedule("s3", 3));
      store.putCertificate(certificate("aa", 1));
      store.putCertificate(certificate("bb", 2, "deleting"));
      expect(store.getJobSchedule("s2")?.state).toBe("completed");
      expect(ids(store.listJobSchedules({ limit: 10, state: "active" }))).toEqual(["s1", "s3"]);
      expect(ids(store.listJobSchedules({ limit: 1, afterSeq: 1 }))).toEqual(["s2"]);
      expect(store.getCertificate("bb")?.data).toBe("c2VjcmV0");
      expect(store.listCertificates({ limit: 10, state: "deleting" }).map((c) => c.thumbprint)).toEqual([
        "bb",
      ]);
      await store.flush();
      store.deleteJobSchedule("s1");
      store.deleteCertificate("aa");
      const again = await reopen();
      expect(ids(again.listJobSchedules({ limit: 10 }))).toEqual(["s2", "s3"]);
      expect(again.listCertificates({ limit: 10 }).map((c) => c.thumbprint)).toEqual(["bb"]);
      expect(again.getCertificate("aa")).toBeUndefined();
    });

    it("tasks: insert refuses a taken id, lists page by seq and state, deletes one or a job's", async () => {
      const { store, reopen } = await start();
      for (let i = 1; i <= 5; i++)
        expect(store.insertTask(task("j", `t${i}`, i, i % 2 ? "active" : "completed"))).toBe(true);
      expect(
        store.insertTask({ ...task("j", "t1", 99), spec: { id: "t1", commandLine: "/bin/false" } }),
      ).toBe(false);
      expect(store.getTask("j", "t1")?.spec.commandLine).toBe("/bin/true");
      store.insertTask(task("k", "t1", 6));
      // Reads see writes before they are committed.
      expect(store.getTask("j", "t3")?.seq).toBe(3);
      expect(ids(store.listTasks("j", { limit: 2 }))).toEqual(["t1", "t2"]);
      expect(ids(store.listTasks("j", { afterSeq: 2, limit: 10 }))).toEqual(["t3", "t4", "t5"]);
      expect(ids(store.listTasks("j", { limit: 10, state: "completed" }))).toEqual(["t2", "t4"]);
      store.putTask({ ...task("j", "t1", 1), state: "completed" });
      expect(ids(store.listTasks("j", { limit: 10, state: "completed" }))).toEqual(["t1", "t2", "t4"]);
      store.deleteTask("j", "t2");
      expect(store.getTask("j", "t2")).toBeUndefined();
      const again = await reopen();
      expect(ids(again.listTasks("j", { limit: 10 }))).toEqual(["t1", "t3", "t4", "t5"]);
      expect(ids(again.listTasks("j", { limit: 10, state: "active" }))).toEqual(["t3", "t5"]);
      again.deleteTasksOfJob("j");
      expect(again.listTasks("j", { limit: 10 })).toEqual([]);
      expect(again.getTask("j", "t3")).toBeUndefined();
      expect(ids(again.listTasks("k", { limit: 10 }))).toEqual(["t1"]);
      const third = await reopen();
      expect(third.listTasks("j", { limit: 10 })).toEqual([]);
      expect(third.insertTask(task("j", "t1", 7))).toBe(true);
    });

    it("tasks: a running task's object is the one read and listed until it is put in another state", async () => {
      const { store } = await start();
      store.insertTask(task("j", "a", 1));
      store.insertTask(task("j", "b", 2, "running"));
      const running = { ...task("j", "a", 1), state: "running" as const };
      store.putTask(running);
      expect(store.getTask("j", "a")).toBe(running);
      // A change not put (a reported start) shows in reads and lists.
      running.executionInfo.startTime = at;
      expect(store.listTasks("j", { limit: 10 })[0]).toBe(running);
      // An inserted running task is kept once read.
      const b = store.getTask("j", "b")!;
      expect(store.getTask("j", "b")).toBe(b);
      store.putTask({ ...running, state: "completed" });
      const done = store.getTask("j", "a")!;
      expect(done).not.toBe(running);
      expect(store.getTask("j", "a")).not.toBe(done);
      expect(store.getTask("j", "a")?.state).toBe("completed");
    });

    it("tasks: listTasksInStates orders by job then seq and keeps live tasks", async () => {
      const { store, reopen } = await start();
      store.insertTask(task("b", "x", 1, "running"));
      store.insertTask(task("a", "y", 3, "active"));
      store.insertTask(task("a", "z", 2, "preparing"));
      store.insertTask(task("a", "w", 4, "completed"));
      const again = await reopen();
      const found = again.listTasksInStates(["running", "preparing", "active"]);
      expect(found.map((t) => `${t.jobId}/${t.id}`)).toEqual(["b/x", "a/z", "a/y"]);
      expect(again.getTask("b", "x")).toBe(found[0]);
      expect(again.getTask("a", "z")).toBe(found[1]);
      expect(again.getTask("a", "y")).not.toBe(found[2]);
    });

    it("tasks: counts by state and failure, and run totals of completed tasks", async () => {
      const { store, reopen } = await start();
      store.insertTask(task("j", "a", 1));
      store.insertTask({ ...task("j", "b", 2), spec: { id: "b", commandLine: "x", requiredSlots: 3 } });
      store.insertTask({
        ...task("j", "c", 3),
        reservedSlots: 4,
        spec: { id: "c", commandLine: "x", requiredSlots: 2 },
      });
      store.putTask(
        completed(task("j", "d", 4), "2026-01-01T00:00:10.000Z", "2026-01-01T00:00:12.500Z", "success", 2),
      );
      store.putTask(
        completed(task("j", "e", 5), "2026-01-01T00:00:01.000Z", "2026-01-01T00:00:02.000Z", "failure", 1),
      );
      store.putTask(
        completed(task("k", "f", 6), "2026-01-01T00:00:03.000Z", "2026-01-01T00:00:03.250Z", "success"),
      );
      // Completed without a start (terminated before it ran): counted, adds no time.
      store.putTask({ ...task("k", "g", 7), state: "completed" });
      const check = (s: Store) => {
        const counts = s
          .taskStateCounts()
          .sort((x, y) => `${x.jobId}${x.state}${x.failed}`.localeCompare(`${y.jobId}${y.state}${y.failed}`));
        expect(counts).toEqual([
          { jobId: "j", state: "active", failed: 0, count: 3, slots: 8 },
          { jobId: "j", state: "completed", failed: 0, count: 1, slots: 1 },
          { jobId: "j", state: "completed", failed: 1, count: 1, slots: 1 },
          { jobId: "k", state: "completed", failed: 0, count: 2, slots: 2 },
        ]);
        const totals = s.taskRunTotals().sort((x, y) => x.jobId.localeCompare(y.jobId));
        expect(totals.map((t) => t.jobId)).toEqual(["j", "k"]);
        expect(totals[0]!.wallClockMs).toBeCloseTo(3500, 0);
        expect(totals[0]!.waitMs).toBeCloseTo(11_000, 0);
        expect(totals[0]!.retries).toBe(3);
        expect(totals[1]!.wallClockMs).toBeCloseTo(250, 0);
        expect(totals[1]!.waitMs).toBeCloseTo(3000, 0);
        expect(totals[1]!.retries).toBe(0);
      };
      check(store);
      check(await reopen());
    });

    it("applications and packages: in id and version order; deleting an application deletes its packages", async () => {
      const { store, reopen } = await start();
      store.putApplication(application("zeta"));
      store.putApplication(application("alpha"));
      store.putApplicationPackage(appPackage("alpha", "2.0"));
      store.putApplicationPackage(appPackage("alpha", "1.0"));
      store.putApplicationPackage(appPackage("zeta", "1.0"));
      expect(() => store.putApplicationPackage(appPackage("missing", "1.0"))).toThrow(/FOREIGN KEY/);
      expect(ids(store.listApplications())).toEqual(["alpha", "zeta"]);
      expect(store.listApplicationPackages("alpha").map((p) => p.version)).toEqual(["1.0", "2.0"]);
      store.putApplication(application("alpha", 2));
      expect(store.getApplication("alpha")?.version).toBe(2);
      await store.flush();
      store.deleteApplicationPackage("alpha", "2.0");
      store.deleteApplication("zeta");
      expect(store.getApplicationPackage("zeta", "1.0")).toBeUndefined();
      const again = await reopen();
      expect(ids(again.listApplications())).toEqual(["alpha"]);
      expect(again.getApplication("alpha")?.version).toBe(2);
      expect(again.listApplicationPackages("alpha").map((p) => p.version)).toEqual(["1.0"]);
      expect(again.listApplicationPackages("zeta")).toEqual([]);
      // A new application of a deleted one's name starts without packages.
      again.putApplication(application("zeta"));
      expect(again.listApplicationPackages("zeta")).toEqual([]);
    });

    it("virtual networks: by name, in name order", async () => {
      const { store, reopen } = await start();
      store.putVirtualNetwork(network("net-b"));
      store.putVirtualNetwork(network("net-a"));
      store.putVirtualNetwork(network("net-c"));
      await store.flush();
      store.deleteVirtualNetwork("net-c");
      expect(store.getVirtualNetwork("net-a")?.addressPrefix).toBe("10.0.0.0/24");
      const again = await reopen();
      expect(again.listVirtualNetworks().map((n) => n.name)).toEqual(["net-a", "net-b"]);
      expect(again.getVirtualNetwork("net-c")).toBeUndefined();
    });

    it("sequences: each name counts on its own, across a reopen", async () => {
      const { store, reopen } = await start();
      expect([store.nextSeq("tasks"), store.nextSeq("tasks"), store.nextSeq("jobs")]).toEqual([1, 2, 1]);
      const again = await reopen();
      expect([again.nextSeq("tasks"), again.nextSeq("jobs"), again.nextSeq("pools")]).toEqual([3, 2, 1]);
    });

    it("group commit: many writes and flushes in one turn all land; a write after a flush too", async () => {
      const { store, reopen } = await start();
      await store.flush(); // nothing to do
      const flushes: Promise<void>[] = [];
      for (let i = 1; i <= 200; i++) {
        store.insertTask(task("g", `t${i}`, i));
        store.putJob(job("g", 1, i % 2 ? "active" : "terminating"));
        flushes.push(store.flush());
      }
      await Promise.all(flushes);
      // Written in the turn after the previous commit started, flushed with it still in flight.
      store.insertTask(task("g", "late", 201));
      store.deleteTask("g", "t1");
      store.insertTask(task("g", "t1", 202));
      await store.flush();
      const again = await reopen();
      expect(again.listTasks("g", { limit: 1000 })).toHaveLength(201);
      expect(again.listTasks("g", { limit: 1000 }).at(-1)?.id).toBe("t1");
      expect(again.getJob("g")?.state).toBe("terminating");
    });

    it("reads return what was put, byte for byte", async () => {
      const { store, reopen } = await start();
      const odd = {
        ...task("j", "u", 1),
        spec: { id: "u", commandLine: "a\u0000b 'q' \"d\" \\ é 𝄞 \u2028" },
      };
      store.insertTask(odd);
      expect(store.getTask("j", "u")).toEqual(odd);
      const again = await reopen();
      expect(JSON.stringify(again.getTask("j", "u"))).toBe(JSON.stringify(odd));
    });
  });
}
