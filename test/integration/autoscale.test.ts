/**
 * A pool driven by an autoscale formula, with real agents: it grows under queued work and shrinks
 * back with `taskcompletion` when the work is done, without killing a running task; evaluateautoscale
 * returns Azure's results string; bad formulas and forbidden combinations are refused as Azure does.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BatchRequestError, collect } from "../../client/index.js";
import { completedTask, restartableService, serviceForSuite, waitFor } from "./harness.js";

const FORMULA =
  "$TargetDedicatedNodes = min(3, $PendingTasks.GetSample(1));\n$NodeDeallocationOption = taskcompletion;";

/** A task that runs until the test creates its gate file. */
function gatedTask(id: string, dataDir: string) {
  const gate = path.join(dataDir, `gate-${id}`);
  return { id, commandLine: `/bin/sh -c "while [ ! -e ${gate} ]; do sleep 0.05; done; echo ${id}"` };
}

async function refusal(call: Promise<unknown>): Promise<BatchRequestError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BatchRequestError);
  return error as BatchRequestError;
}

describe("autoscale", () => {
  const suite = serviceForSuite("autoscale");

  it("grows a pool under queued work and shrinks it back with taskcompletion, every task succeeding", async () => {
    const { client } = suite.service;
    const open = (id: string) => fs.writeFileSync(path.join(suite.dataDir, `gate-${id}`), "");
    await client.pools.add({
      id: "ap",
      vmSize: "small",
      enableAutoScale: true,
      autoScaleFormula: FORMULA,
      autoScaleEvaluationInterval: "PT2S",
    });
    const added = await client.pools.get("ap");
    expect(added.enableAutoScale).toBe(true);
    expect(added.autoScaleFormula).toBe(FORMULA);
    expect(added.autoScaleEvaluationInterval).toBe("PT2S");
    expect(added.autoScaleRun?.results).toBe(
      "$TargetDedicatedNodes=0;$TargetLowPriorityNodes=0;$NodeDeallocationOption=taskcompletion",
    );
    expect(added.targetDedicatedNodes).toBe(0);

    await client.jobs.add({ id: "aj", poolInfo: { poolId: "ap" } });
    await client.tasks.addCollection(
      "aj",
      ["a", "b", "c", "d"].map((id) => gatedTask(id, suite.dataDir)),
    );
    // Four pending tasks: the formula caps the pool at 3 nodes, each running one task.
    await waitFor(
      "three nodes running three tasks",
      async () => {
        const tasks = await collect(client.tasks.list("aj"));
        const pool = await client.pools.get("ap");
        return pool.currentDedicatedNodes === 3 && tasks.filter((t) => t.state === "running").length === 3;
      },
      60_000,
    );
    expect((await client.pools.get("ap")).autoScaleRun?.results).toBe(
      "$TargetDedicatedNodes=3;$TargetLowPriorityNodes=0;$NodeDeallocationOption=taskcompletion",
    );

    // A hand resize is refused while the formula sizes the pool.
    const resize = await refusal(client.pools.resize("ap", { targetDedicatedNodes: 1 }));
    expect(resize.code).toBe("AutoScaleEnabled");

    // evaluateautoscale answers against the pool as it is (its deallocation option is the one the
    // formula last set), without applying anything.
    const run = await client.pools.evaluateAutoScale(
      "ap",
      "$TargetDedicatedNodes = 7; $queued = $ActiveTasks;",
    );
    expect(run.results).toBe(
      "$TargetDedicatedNodes=7;$TargetLowPriorityNodes=0;$NodeDeallocationOption=taskcompletion;$queued=1",
    );
    expect(run.error).toBeUndefined();
    const broken = await client.pools.evaluateAutoScale("ap", "$TargetDedicatedNodes = (1;");
    expect(broken.error?.code).toBe("InvalidAutoScaleFormula");
    expect(broken.error?.values?.[0]?.value).toMatch(/^Line 1, Col 27: /);
    expect((await client.pools.get("ap")).targetDedicatedNodes).toBe(3);

    // Work finishes little by little: the pool follows it down, the running tasks are never killed.
    open("a");
    open("b");
    await waitFor("c and d running on two nodes", async () => {
      const pool = await client.pools.get("ap");
      const tasks = await collect(client.tasks.list("aj"));
      const running = tasks.filter((t) => t.state === "running").map((t) => t.id);
      return pool.targetDedicatedNodes === 2 && running.sort().join() === "c,d";
    });
    open("c");
    await waitFor("one node for d", async () => (await client.pools.get("ap")).targetDedicatedNodes === 1);
    expect((await client.tasks.get("aj", "d")).state).toBe("running");
    open("d");
    await waitFor(
      "an empty, steady pool",
      async () => {
        const pool = await client.pools.get("ap");
        return pool.allocationState === "steady" && pool.currentDedicatedNodes === 0 && pool;
      },
      60_000,
    );
    for (const task of await collect(client.tasks.list("aj"))) {
      expect(task.state).toBe("completed");
      expect(task.executionInfo!.exitCode).toBe(0);
      expect(task.executionInfo!.requeueCount).toBe(0);
      expect(task.executionInfo!.retryCount).toBe(0);
    }

    // Disabled: the pool keeps its size and may be resized by hand again.
    await client.pools.disableAutoScale("ap");
    const disabled = await client.pools.get("ap");
    expect(disabled.enableAutoScale).toBe(false);
    expect(disabled.autoScaleFormula).toBeUndefined();
    await client.pools.resize("ap", { targetDedicatedNodes: 0 });
    expect((await refusal(client.pools.evaluateAutoScale("ap", FORMULA))).code).toBe("AutoScaleNotEnabled");
    await client.pools.delete("ap");
  });

  it("refuses bad formulas with their position, and targets or intervals Azure refuses", async () => {
    const { client } = suite.service;
    const bad = await refusal(
      client.pools.add({
        id: "bad",
        vmSize: "small",
        enableAutoScale: true,
        autoScaleFormula: "$TargetDedicatedNodes = 1;\n$x = * 2;",
      }),
    );
    expect(bad.status).toBe(400);
    expect(bad.code).toBe("InvalidAutoScaleFormula");
    expect(bad.values).toEqual([{ key: "Message", value: expect.stringMatching(/^Line 2, Col 6: /) }]);

    const withTargets = await refusal(
      client.pools.add({
        id: "bad",
        vmSize: "small",
        enableAutoScale: true,
        autoScaleFormula: FORMULA,
        targetDedicatedNodes: 1,
      }),
    );
    expect(withTargets.code).toBe("InvalidPropertyValue");
    expect(withTargets.message).toContain("targetDedicatedNodes");
    const noFormula = await refusal(client.pools.add({ id: "bad", vmSize: "small", enableAutoScale: true }));
    expect(noFormula.code).toBe("MissingRequiredProperty");
    expect(await client.pools.exists("bad")).toBe(false);

    await client.pools.add({ id: "fixed", vmSize: "small" });
    const tooOften = await refusal(
      client.pools.enableAutoScale("fixed", {
        autoScaleFormula: FORMULA,
        autoScaleEvaluationInterval: "PT1S",
      }),
    );
    expect(tooOften.code).toBe("InvalidPropertyValue");
    const syntax = await refusal(
      client.pools.enableAutoScale("fixed", { autoScaleFormula: "$TargetDedicatedNodes = ;" }),
    );
    expect(syntax.code).toBe("InvalidAutoScaleFormula");
    expect((await client.pools.get("fixed")).enableAutoScale).toBe(false);

    await client.pools.enableAutoScale("fixed", {
      autoScaleFormula: "$TargetDedicatedNodes = 0; $n = 1 + 1;",
    });
    const enabled = await client.pools.get("fixed");
    expect(enabled.enableAutoScale).toBe(true);
    expect(enabled.autoScaleEvaluationInterval).toBe("PT15M");
    expect(enabled.autoScaleRun?.results).toBe(
      "$TargetDedicatedNodes=0;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue;$n=2",
    );
    // Azure refuses a second enable within 30 s (the pool's sample period); the pool keeps its formula.
    const again = await refusal(
      client.pools.enableAutoScale("fixed", { autoScaleFormula: "$TargetDedicatedNodes = 1;" }),
    );
    expect(again.status).toBe(409);
    expect(again.code).toBe("AutoScaleTooManyRequestsToEnable");
    expect(again.message).toMatch(/enable it again in \d+ s/);
    expect((await client.pools.get("fixed")).autoScaleFormula).toBe("$TargetDedicatedNodes = 0; $n = 1 + 1;");
    await client.pools.delete("fixed");
  });
});

describe("autoscale across a SIGKILL of the service", () => {
  const suite = restartableService("autoscalerestart");

  it("evaluates the formula again after a restart: queued work grows the pool", async () => {
    let service = await suite.start();
    await service.client.pools.add({
      id: "rp",
      vmSize: "small",
      enableAutoScale: true,
      autoScaleFormula: "$TargetDedicatedNodes = min(2, $PendingTasks);",
      autoScaleEvaluationInterval: "PT2S",
    });
    expect((await service.client.pools.get("rp")).currentDedicatedNodes).toBe(0);
    await suite.kill();
    service = await suite.start();
    const { client } = service;
    const restartedAt = new Date().toISOString();

    await client.jobs.add({ id: "rj", poolInfo: { poolId: "rp" } });
    await client.tasks.add("rj", { id: "t", commandLine: "/bin/sh -c 'echo done'" });
    const task = await completedTask(client, "rj", "t");
    expect(task.executionInfo!.exitCode).toBe(0);
    const pool = await client.pools.get("rp");
    expect(pool.autoScaleRun!.timestamp > restartedAt).toBe(true);
    expect(pool.enableAutoScale).toBe(true);
    await client.pools.delete("rp");
  });
});
