/**
 * The JobSchedule resource under Pulumi mocks: explicit connection inputs (the key made secret) and
 * a job specification that takes another resource's output.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { captureResources, openbatchOutputs, settled } from "../../pulumi/capturedResources.js";

const captured = captureResources(openbatchOutputs);
const { JobSchedule } = await import("../../../provider/index.js");

describe("JobSchedule under mocks", () => {
  const schedule = new JobSchedule("nightly", {
    endpoint: "http://127.0.0.1:8765",
    accountName: "local",
    accountKey: "a2V5IG9mIHNpeHRlZW4gYnl0ZXM=",
    schedule: { recurrenceInterval: "PT24H" },
    jobSpecification: { poolInfo: { poolId: pulumi.output("p1") }, priority: 5 },
  });

  it("registers its id, schedule and job specification with outputs resolved", async () => {
    await settled(schedule.state);
    expect(captured[0]!.inputs).toMatchObject({
      jobScheduleId: "nightly",
      schedule: { recurrenceInterval: "PT24H" },
      jobSpecification: { poolInfo: { poolId: "p1" }, priority: 5 },
    });
    expect(captured[0]!.inputs.__provider).toContain("openbatch/provider/dynamic/jobScheduleProvider");
  });

  it("makes a key given in plain text secret, as input and output", async () => {
    expect(captured[0]!.inputs.accountKey).toEqual({
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
      value: "a2V5IG9mIHNpeHRlZW4gYnl0ZXM=",
    });
    const key = (schedule as unknown as { accountKey: pulumi.Output<string> }).accountKey;
    expect(await pulumi.isSecret(key)).toBe(true);
  });
});
