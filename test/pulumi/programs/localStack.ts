/**
 * A small local stack, as a user's `index.ts` would declare it: an account (a daemon this machine
 * runs), a pool of `nodes` nodes that waits until they are idle, and a job schedule on that pool.
 */
import { Account, JobSchedule, Pool } from "../../../provider/index.js";

export function localStack(dataDir: string, nodes: number, scheduleMetadata: string) {
  const account = new Account("acct", { accountName: "pulumitest", dataDir, retainData: false });
  const pool = new Pool("pool", {
    account,
    poolName: "p1",
    vmSize: "standard_d2s_v3",
    scaleSettings: { fixedScale: { targetDedicatedNodes: nodes } },
    startTask: { commandLine: "/bin/true", waitForSuccess: true },
    metadata: [{ name: "owner", value: "pulumi" }],
  });
  const schedule = new JobSchedule("nightly", {
    account,
    jobScheduleId: "nightly",
    schedule: { doNotRunUntil: "2099-01-01T00:00:00Z" },
    jobSpecification: { poolInfo: { poolId: pool.poolName } },
    metadata: [{ name: "note", value: scheduleMetadata }],
  });
  return { account, pool, schedule };
}
