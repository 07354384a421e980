/**
 * Reboot and reimage of a node with a running task under the options nodeReboot.test.ts and
 * nodeReimage.test.ts leave out, with a real agent: `terminate` ends the task as failed (`NodeRemoved`,
 * no retry) and restarts the node at once; `taskcompletion` and `retaineddata` let the task finish,
 * then restart it. A reimage wipes the node's directories, a reboot keeps them.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { type BatchClient, collect } from "../../client/index.js";
import type { NodeRebootOption } from "../../protocol/rest/node.js";
import { completedTask, serviceForSuite, waitFor } from "./harness.js";

async function backFrom(client: BatchClient, nodeId: string, bootTime: string | undefined) {
  return waitFor("the node to be back", async () => {
    const node = await client.nodes.get("rop", nodeId);
    return node.state === "idle" && node.lastBootTime !== bootTime && node;
  });
}

describe("reboot and reimage under each option", () => {
  const suite = serviceForSuite("restartoptions");

  it("terminates the running task, or lets it finish first", async () => {
    const { client } = suite.service;
    await client.pools.add({ id: "rop", vmSize: "small", targetDedicatedNodes: 1 });
    await client.jobs.add({ id: "roj", poolInfo: { poolId: "rop" } });
    let node = await waitFor("the node to be idle", async () => {
      const [n] = await collect(client.nodes.list("rop"));
      return n?.state === "idle" && n;
    });
    const marker = path.join(suite.dataDir, "nodes", "rop", node.id, "shared", "marker");
    const cases: { operation: "reboot" | "reimage"; option: NodeRebootOption }[] = [
      { operation: "reboot", option: "terminate" },
      { operation: "reboot", option: "taskcompletion" },
      { operation: "reboot", option: "retaineddata" },
      { operation: "reimage", option: "terminate" },
      { operation: "reimage", option: "retaineddata" },
    ];
    for (const [i, { operation, option }] of cases.entries()) {
      const id = `${operation}-${option}`;
      const gate = path.join(suite.dataDir, `gate-${i}`);
      fs.writeFileSync(marker, id);
      await client.tasks.add("roj", {
        id,
        commandLine: `/bin/sh -c "while [ ! -e ${gate} ]; do sleep 0.05; done"`,
        constraints: { maxTaskRetryCount: 2 },
      });
      await waitFor(`${id} to run`, async () => (await client.tasks.get("roj", id)).state === "running");

      await client.nodes[operation]("rop", node.id, option);
      if (option === "terminate") {
        const task = await completedTask(client, "roj", id);
        expect(task.executionInfo).toMatchObject({ result: "failure", retryCount: 0, requeueCount: 0 });
        expect(task.executionInfo!.failureInfo).toMatchObject({ code: "NodeRemoved" });
        expect(task.executionInfo!.failureInfo!.message).toContain(option);
      } else {
        // The node keeps running the task and takes nothing new until it has restarted.
        expect((await client.nodes.get("rop", node.id)).state).toBe("running");
        fs.writeFileSync(gate, "");
        const task = await completedTask(client, "roj", id);
        expect(task.executionInfo).toMatchObject({ result: "success", retryCount: 0, requeueCount: 0 });
      }
      const back = await backFrom(client, node.id, node.lastBootTime);
      // The restart came after the task ended.
      const ended = (await client.tasks.get("roj", id)).executionInfo!.endTime!;
      expect(Date.parse(back.lastBootTime!)).toBeGreaterThanOrEqual(Date.parse(ended));
      expect(fs.existsSync(marker)).toBe(operation === "reboot");
      node = back;
    }
  });
});
