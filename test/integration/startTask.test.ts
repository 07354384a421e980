/**
 * A pool's start task with `waitForSuccess`: the node waits in `waitingforstarttask` (taking no
 * tasks) while it runs, retries it `maxTaskRetryCount` times, and ends in `starttaskfailed` when it
 * keeps failing; its output stays readable in the node's `startup/` directory.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { collect } from "../../client/index.js";
import { serviceForSuite, waitFor } from "./harness.js";

describe("start tasks", () => {
  const suite = serviceForSuite("starttask");

  it("holds tasks back while the start task runs, and marks the node starttaskfailed when it fails", async () => {
    const { client } = suite.service;
    const gate = path.join(suite.dataDir, "start-gate");
    await client.pools.add({
      id: "st",
      vmSize: "small",
      targetDedicatedNodes: 1,
      startTask: {
        commandLine: `/bin/sh -c "while [ ! -e ${gate} ]; do sleep 0.05; done; echo attempt on $AZ_BATCH_NODE_ID; exit 3"`,
        waitForSuccess: true,
        maxTaskRetryCount: 1,
      },
    });
    const [waiting] = await waitFor("a node waiting for its start task", async () => {
      const nodes = await collect(client.nodes.list("st"));
      return nodes.length === 1 && nodes[0]!.state === "waitingforstarttask" && nodes;
    });
    expect(waiting!.startTaskInfo?.state).toBe("running");

    await client.jobs.add({ id: "sj", poolInfo: { poolId: "st" } });
    await client.tasks.add("sj", { id: "held", commandLine: "/bin/true" });

    fs.writeFileSync(gate, "");
    const failed = await waitFor("the node to end in starttaskfailed", async () => {
      const node = await client.nodes.get("st", waiting!.id);
      return node.state === "starttaskfailed" && node;
    });
    expect(failed.startTaskInfo).toMatchObject({
      state: "completed",
      exitCode: 3,
      retryCount: 1,
      result: "failure",
    });
    expect(failed.startTaskInfo?.failureInfo?.code).toBe("FailureExitCode");
    expect(await client.nodes.getFileText("st", waiting!.id, "startup/stdout.txt")).toContain(
      `attempt on ${waiting!.id}`,
    );
    // The node never became eligible: the task is still waiting.
    expect((await client.tasks.get("sj", "held")).state).toBe("active");
    await client.pools.delete("st");
  });
});
