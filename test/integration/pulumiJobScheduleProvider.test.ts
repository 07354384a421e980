/**
 * The JobSchedule dynamic provider's CRUD called directly against a real service:
 * create → update in place → replace → refresh after an out-of-band delete → import → delete.
 */
import { describe, expect, it } from "vitest";
import type { JobScheduleInputs, JobScheduleOutputs } from "../../provider/dynamic/jobSchedule.js";
import { provider } from "../../provider/dynamic/jobScheduleProvider.js";
import { serviceForSuite } from "./harness.js";

const later = "2099-01-01T00:00:00.000Z";

describe("JobSchedule provider against a real service", () => {
  const suite = serviceForSuite("pulumi-schedule");
  const connection = () => ({
    endpoint: suite.service.endpoint,
    accountName: suite.service.accountName,
    accountKey: suite.service.accountKey,
  });
  const declared = (changes: Partial<JobScheduleInputs> = {}) =>
    ({
      ...connection(),
      jobScheduleId: "js",
      schedule: { doNotRunUntil: later, recurrenceInterval: "PT1H" },
      jobSpecification: { poolInfo: { poolId: "somewhere" } },
      ...changes,
    }) as JobScheduleInputs;
  let outputs: JobScheduleOutputs;

  async function checked(news: JobScheduleInputs): Promise<JobScheduleInputs> {
    const result = await provider.check({} as JobScheduleInputs, news);
    expect(result.failures).toEqual([]);
    return result.inputs!;
  }

  it("checks against the service's schema, naming the property path", async () => {
    const { failures } = await provider.check(
      {} as JobScheduleInputs,
      declared({ jobSpecification: { poolInfo: {}, priority: "high" } as never }),
    );
    const reasons = failures!.map((f) => f.reason).join("\n");
    expect(failures!.every((f) => f.property === "jobSpecification")).toBe(true);
    expect(reasons).toContain("jobSpecification.priority must be integer");
  });

  it("creates the schedule", async () => {
    const created = await provider.create(await checked(declared()));
    expect(created.id).toBe("js");
    outputs = created.outs!;
    expect(outputs.state).toBe("active");
    expect((await suite.service.client.jobSchedules.get("js")).schedule.recurrenceInterval).toBe("PT1H");
  });

  it("updates schedule, job specification and metadata in place", async () => {
    const news = await checked(
      declared({
        schedule: { doNotRunUntil: later, recurrenceInterval: "PT2H" },
        jobSpecification: { poolInfo: { poolId: "elsewhere" }, priority: 10 },
        metadata: [{ name: "k", value: "v" }],
      }),
    );
    expect(await provider.diff("js", outputs, news)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    outputs = (await provider.update("js", outputs, news)).outs!;
    const schedule = await suite.service.client.jobSchedules.get("js");
    expect(schedule.schedule.recurrenceInterval).toBe("PT2H");
    expect(schedule.jobSpecification).toMatchObject({ poolInfo: { poolId: "elsewhere" }, priority: 10 });
    expect(schedule.metadata).toEqual([{ name: "k", value: "v" }]);
  });

  it("replaces the schedule when its id changes, deleting the old one first", async () => {
    const news = await checked(declared({ ...outputs, jobScheduleId: "js2" }));
    expect(await provider.diff("js", outputs, news)).toMatchObject({
      replaces: ["jobScheduleId"],
      deleteBeforeReplace: true,
    });
    await provider.delete("js", outputs);
    expect(await suite.service.client.jobSchedules.exists("js")).toBe(false);
    outputs = (await provider.create(news)).outs!;
    expect(await suite.service.client.jobSchedules.exists("js2")).toBe(true);
  });

  it("refresh matches the service, and drops the schedule once deleted out of band", async () => {
    const refreshed = await provider.read("js2", outputs);
    expect(refreshed.id).toBe("js2");
    expect(await provider.diff("js2", refreshed.props, refreshed.inputs)).toMatchObject({ changes: false });
    await suite.service.client.jobSchedules.delete("js2");
    await provider.delete("js2", outputs); // waits until it is gone
    expect((await provider.read("js2", outputs)).id).toBeUndefined();
  });

  it("imports a schedule made elsewhere from its id and the connection, then deletes it", async () => {
    await suite.service.client.jobSchedules.add({
      id: "made-by-hand",
      schedule: { doNotRunUntil: later },
      jobSpecification: { poolInfo: { poolId: "p" } },
    });
    const imported = await provider.read("made-by-hand", connection() as JobScheduleOutputs);
    expect(imported.inputs).toMatchObject({
      jobScheduleId: "made-by-hand",
      schedule: { doNotRunUntil: later },
      jobSpecification: { poolInfo: { poolId: "p" } },
    });
    await provider.delete("made-by-hand", imported.props);
    expect(await suite.service.client.jobSchedules.exists("made-by-hand")).toBe(false);
  });
});
