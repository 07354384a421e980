/**
 * service/api/validation.ts: `propertyPath` turns schema pointer segments into the `PropertyName` of
 * Azure's errors, and `bodyValidator` reports the first schema error with it.
 */
import { describe, expect, it } from "vitest";
import type { BatchError } from "../../../protocol/errors.js";
import { PoolAddParameter } from "../../../protocol/rest/pool.js";
import { TaskAddCollectionParameter } from "../../../protocol/rest/task.js";
import { bodyValidator, propertyPath } from "../../../service/api/validation.js";
import { thrownBatchError } from "./apiHarness.js";

describe("propertyPath", () => {
  it.each([
    [[], ""],
    [["id"], "id"],
    [["poolInfo", "poolId"], "poolInfo.poolId"],
    [["value", "1", "commandLine"], "value[1].commandLine"],
    [["startTask", "environmentSettings", "0", "name"], "startTask.environmentSettings[0].name"],
    [["value", "10", "environmentSettings", "2"], "value[10].environmentSettings[2]"],
    [["0"], "[0]"],
    [["0", "1"], "[0][1]"],
    [["a1", "b2"], "a1.b2"],
    [["a/b"], "a/b"],
  ])("%j → %s", (segments, path) => {
    expect(propertyPath(segments)).toBe(path);
  });
});

describe("bodyValidator", () => {
  const validatePool = bodyValidator(PoolAddParameter, "PoolAddParameter");
  const validateTasks = bodyValidator(TaskAddCollectionParameter, "TaskAddCollectionParameter");

  const refusal = (validate: (body: unknown) => unknown, body: unknown) =>
    thrownBatchError(() => validate(body));
  const detail = (error: BatchError, key: string) => error.values.find((v) => v.key === key)?.value;

  it("returns a valid body as it is", () => {
    const body = { id: "p", vmSize: "small", targetDedicatedNodes: 0 };
    expect(validatePool(body)).toBe(body);
  });

  it("names a missing property at its path", () => {
    const error = refusal(validatePool, {
      id: "p",
      vmSize: "small",
      startTask: { commandLine: "x", environmentSettings: [{ name: "A", value: "1" }, { value: "2" }] },
    });
    expect(error.code).toBe("MissingRequiredProperty");
    expect(detail(error, "PropertyName")).toBe("startTask.environmentSettings[1].name");
    expect(error.message).toContain("startTask.environmentSettings[1].name");
  });

  it("names an unknown property and the type that lacks it", () => {
    const error = refusal(validatePool, {
      id: "p",
      vmSize: "small",
      startTask: { commandLine: "x", environmentSettings: [{ name: "A", value: "1", secret: true }] },
    });
    expect(error.code).toBe("InvalidRequestBody");
    expect(detail(error, "PropertyName")).toBe("startTask.environmentSettings[0].secret");
    expect(detail(error, "Reason")).toBe("'secret' is not a property of EnvironmentSetting.");
  });

  it("names a wrong value with the value and the reason", () => {
    const error = refusal(validateTasks, {
      value: [
        { id: "a", commandLine: "x" },
        { id: "b", commandLine: "x", constraints: { maxTaskRetryCount: "twice" } },
      ],
    });
    expect(error.code).toBe("InvalidPropertyValue");
    expect(error.values).toEqual([
      { key: "PropertyName", value: "value[1].constraints.maxTaskRetryCount" },
      { key: "PropertyValue", value: "twice" },
      { key: "Reason", value: expect.stringMatching(/integer/) },
    ]);
  });

  it("states the id rule for a bad id", () => {
    const error = refusal(validatePool, { id: "a b", vmSize: "small" });
    expect(error.code).toBe("InvalidPropertyValue");
    expect(detail(error, "PropertyName")).toBe("id");
    expect(detail(error, "Reason")).toMatch(/letters.*digits.*hyphens.*underscores.*1 to 64/);
  });

  it("lists the allowed values of an enumeration", () => {
    const error = refusal(validatePool, {
      id: "p",
      vmSize: "small",
      taskSchedulingPolicy: { nodeFillType: "x" },
    });
    expect(detail(error, "PropertyName")).toBe("taskSchedulingPolicy.nodeFillType");
    expect(detail(error, "Reason")).toBe('it must be one of "spread", "pack".');
  });

  it.each([
    ["no body", undefined],
    ["null", null],
    ["an array", [{ id: "p", vmSize: "small" }]],
    ["a string", "pool"],
  ])("refuses %s as a whole with InvalidRequestBody", (_name, body) => {
    const error = refusal(validatePool, body);
    expect(error.code).toBe("InvalidRequestBody");
    expect(detail(error, "PropertyName")).toBeUndefined();
    expect(error.message).toContain("PoolAddParameter");
  });
});
