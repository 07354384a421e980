/** Azure's operator table: each allowed combination, its result type, and the type errors around it. */
import { describe, expect, it } from "vitest";
import { errorOf, evaluated } from "./formulaContext.js";

describe("operators the table allows", () => {
  it.each([
    ["1 + 2 * 3", "7"],
    ["(1 + 2) * 3", "9"],
    ["10 - 4 - 3", "3"],
    ["7 / 2", "3.5"],
    ["-3 + 1", "-2"],
    ["--3", "3"],
    ["!0", "1"],
    ["!5", "0"],
    ["1.5e2", "150"],
    [".5 * 4", "2"],
  ])("double arithmetic: %s = %s", (expression, expected) => {
    expect(evaluated(expression)).toBe(expected);
  });

  it.each([
    ["2 < 3", "1"],
    ["3 <= 3", "1"],
    ["3 > 3", "0"],
    ["3 >= 4", "0"],
    ["2 == 2", "1"],
    ["2 != 2", "0"],
    ['"abc" < "abd"', "1"],
    ['"taskcompletion" == taskcompletion', "1"],
    ["TimeInterval_Hour > TimeInterval_Minute * 59", "1"],
    ['time("2026-01-01T00:00:00Z") < time("2026-01-02T00:00:00Z")', "1"],
    ['time("2026-01-01T00:00:00Z") == time("Thu, 01 Jan 2026 00:00:00 GMT")', "1"],
  ])("comparisons yield 1 or 0: %s = %s", (expression, expected) => {
    expect(evaluated(expression)).toBe(expected);
  });

  it.each([
    ["1 && 2", "1"],
    ["1 && 0", "0"],
    ["0 || 0", "0"],
    ["0 || 3", "1"],
    ["1 || 0 && 0", "1"],
    ["0 ? 1 : 2", "2"],
    ["0.5 ? 1 : 2", "1"],
    ["0 ? 1 : 0 ? 2 : 3", "3"],
  ])("logical and conditional: %s = %s", (expression, expected) => {
    expect(evaluated(expression)).toBe(expected);
  });

  it("short-circuits && and || and evaluates only the chosen branch of ?:", () => {
    // Each right side would fail (no samples), so these pass only if it is never evaluated.
    expect(evaluated("0 && $CPUPercent.GetSample(1)")).toBe("0");
    expect(evaluated("1 || $CPUPercent.GetSample(1)")).toBe("1");
    expect(evaluated("1 ? 5 : $CPUPercent.GetSample(1)")).toBe("5");
  });

  it("computes with timeintervals and timestamps", () => {
    expect(evaluated("TimeInterval_Minute * 15")).toBe("00:15:00");
    expect(evaluated("2 * TimeInterval_Day + TimeInterval_Hour")).toBe("2.01:00:00");
    expect(evaluated("TimeInterval_Hour / 4")).toBe("00:15:00");
    expect(evaluated("TimeInterval_Hour - TimeInterval_Minute")).toBe("00:59:00");
    expect(evaluated("-TimeInterval_Second")).toBe("-00:00:01");
    expect(evaluated("TimeInterval_Millisecond * 1.5")).toBe("00:00:00.0015000");
    expect(evaluated("time() + TimeInterval_Week")).toBe("2026-12-01T14:00:00.000Z");
    expect(evaluated("TimeInterval_Day + time()")).toBe("2026-11-25T14:00:00.000Z");
    expect(evaluated('time() - time("2026-11-24T13:00:00Z")')).toBe("01:00:00");
  });

  it("knows every TimeInterval_* constant", () => {
    expect(evaluated("TimeInterval_Zero")).toBe("00:00:00");
    expect(evaluated("TimeInterval_100ns")).toBe("00:00:00.0000001");
    expect(evaluated("TimeInterval_Microsecond")).toBe("00:00:00.0000010");
    expect(evaluated("TimeInterval_Millisecond")).toBe("00:00:00.0010000");
    expect(evaluated("TimeInterval_Second")).toBe("00:00:01");
    expect(evaluated("TimeInterval_Minute")).toBe("00:01:00");
    expect(evaluated("TimeInterval_Hour")).toBe("01:00:00");
    expect(evaluated("TimeInterval_Day")).toBe("1.00:00:00");
    expect(evaluated("TimeInterval_Week")).toBe("7.00:00:00");
    expect(evaluated("TimeInterval_Year")).toBe("365.00:00:00");
  });

  it("reads the members of a timestamp", () => {
    const at = 'time("2026-11-29T23:05:09Z")';
    expect(
      ["year", "month", "day", "weekday", "hour", "minute", "second"].map((m) => evaluated(`${at}.${m}`)),
    ).toEqual(["2026", "11", "29", "0", "23", "5", "9"]);
  });
});

describe("type errors", () => {
  it.each([
    ['1 + "a"', "Operator + does not apply to a double and a string"],
    ["TimeInterval_Minute + 1", "Operator + does not apply to a timeinterval and a double"],
    ["time() + time()", "Operator + does not apply to a timestamp and a timestamp"],
    [
      "TimeInterval_Minute / TimeInterval_Second",
      "Operator / does not apply to a timeinterval and a timeinterval",
    ],
    ["1 < TimeInterval_Minute", "Operator < does not apply to a double and a timeinterval"],
    ['!"a"', "Operator ! does not apply to a string"],
    ["-time()", "Operator - does not apply to a timestamp"],
    ['"a" && 1', "Operand of && must be a double, not a string"],
    ["TimeInterval_Hour ? 1 : 2", "The condition of ?: must be a double, not a timeinterval"],
    ["(1).hour", ".hour reads a member of a timestamp, not of a double"],
    ["time().week", "A timestamp has no member week"],
    ["1 / 0", "Division by zero"],
    [
      "time() - TimeInterval_Hour",
      "to go back in time add a negative interval: time() + -1 * TimeInterval_Hour",
    ],
  ])("%s fails: %s", (expression, message) => {
    const error = errorOf(`x = ${expression};`);
    expect(error.code).toBe("AutoScaleFormulaEvaluationError");
    expect(error.message).toBe("Autoscale evaluation failed");
    expect(error.detail).toMatch(/^Line 1, Col \d+: /);
    expect(error.detail).toContain(message);
  });

  it("points at the operator that failed", () => {
    expect(errorOf("a = 1;\nb = 2 +\n  time();").detail).toMatch(/^Line 2, Col 7: Operator \+/);
  });
});
