/** `openbatch pool autoscale enable|disable|evaluate` send Azure's requests and print the run. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeBatchService, lastRequestTo, startFakeBatchService } from "../client/fakeBatchService.js";
import { credentialsEnv, runCli } from "./cliHarness.js";

const dir = mkdtempSync(join(tmpdir(), "openbatch-cli-autoscale-"));
const results = "$TargetDedicatedNodes=2;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue";
const error = {
  code: "InvalidAutoScaleFormula",
  message: "The autoscale formula is not valid",
  values: [{ name: "Message", value: "Line 1, Col 5: Expected a number" }],
};

let service: FakeBatchService;
beforeAll(async () => {
  service = await startFakeBatchService({
    "POST /pools/p1/enableautoscale": () => ({ status: 200 }),
    "POST /pools/p1/disableautoscale": () => ({ status: 200 }),
    "POST /pools/p1/evaluateautoscale": (request) => {
      const { autoScaleFormula } = JSON.parse(request.body) as { autoScaleFormula: string };
      const run = autoScaleFormula.includes("bad")
        ? { timestamp: "2026-01-01T00:00:00.000Z", error }
        : { timestamp: "2026-01-01T00:00:00.000Z", results };
      return { status: 200, body: run };
    },
  });
});
afterAll(() => service.close());

const openbatch = (args: string[]) => runCli(args, credentialsEnv(service, dir));

const lastRequest = (method: string, path: string) => lastRequestTo(service, method, path);

describe("openbatch pool autoscale", () => {
  it("enable sends the formula (from a flag or a file) and the interval; disable sends nothing", async () => {
    const path = "/pools/p1/enableautoscale";
    const out = await openbatch([
      "pool",
      "autoscale",
      "enable",
      "p1",
      "--formula",
      "$TargetDedicatedNodes=1;",
      "--interval",
      "PT5S",
    ]);
    expect(out.stdout).toContain("Autoscale is enabled on pool p1");
    expect(JSON.parse(lastRequest("POST", path).body)).toEqual({
      autoScaleFormula: "$TargetDedicatedNodes=1;",
      autoScaleEvaluationInterval: "PT5S",
    });
    const file = join(dir, "formula.txt");
    writeFileSync(file, "$TargetDedicatedNodes = 2;\n");
    await openbatch(["pool", "autoscale", "enable", "p1", "--formula-file", file]);
    expect(JSON.parse(lastRequest("POST", path).body)).toEqual({
      autoScaleFormula: "$TargetDedicatedNodes = 2;\n",
    });
    expect(
      (await openbatch(["pool", "autoscale", "enable", "p1", "--formula", "x", "--formula-file", file])).code,
    ).toBe(2);
    expect((await openbatch(["pool", "autoscale", "disable", "p1"])).stdout).toContain("disabled");
    expect(lastRequest("POST", "/pools/p1/disableautoscale").body).toBe("");
  });

  it("evaluate prints the results, or the error's position and exits 1", async () => {
    const ok = await openbatch([
      "pool",
      "autoscale",
      "evaluate",
      "p1",
      "--formula",
      "$TargetDedicatedNodes=2;",
    ]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(results);
    const json = await openbatch(["pool", "autoscale", "evaluate", "p1", "--formula", "x", "-o", "json"]);
    expect(JSON.parse(json.stdout)).toEqual({ timestamp: "2026-01-01T00:00:00.000Z", results });
    const bad = await openbatch(["pool", "autoscale", "evaluate", "p1", "--formula", "bad"]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("Line 1, Col 5: Expected a number");
    expect((await openbatch(["pool", "autoscale", "evaluate", "p1"])).code).toBe(2);
  });
});
