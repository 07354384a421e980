import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "../../../protocol/duration.js";

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

describe("formatDuration", () => {
  it("writes ISO 8601 durations as Azure does", () => {
    expect(formatDuration(0)).toBe("PT0S");
    expect(formatDuration(1500)).toBe("PT1.5S");
    expect(formatDuration(3_723_250)).toBe("PT1H2M3.25S");
    expect(formatDuration(60_000)).toBe("PT1M");
    expect(parseDuration(formatDuration(98_765_432))).toBe(98_765_432);
  });
});
