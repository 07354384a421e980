import { describe, expect, it } from "vitest";
import { parseDuration } from "../../../service/core/time.js";

describe("parseDuration", () => {
  it("reads ISO 8601 durations", () => {
    expect(parseDuration("PT10M")).toBe(600_000);
    expect(parseDuration("PT1H30M")).toBe(5_400_000);
    expect(parseDuration("P1DT2S")).toBe(86_402_000);
    expect(parseDuration("PT0.5S")).toBe(500);
    expect(parseDuration("P1W")).toBe(604_800_000);
  });
  it("refuses what is not a duration", () => {
    for (const bad of ["", "P", "PT", "10M", "PT1X", "1 hour"]) expect(parseDuration(bad)).toBeUndefined();
  });
});
