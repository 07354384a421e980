/** Every built-in function, with doubleVecList flattening and the errors each can raise. */
import { describe, expect, it } from "vitest";
import { evaluateFormula } from "../../../service/autoscale/evaluator.js";
import { contextAt, errorOf, evaluated, history, tuesdayAfternoon } from "./formulaContext.js";

const now = tuesdayAfternoon;
/** `$CPUPercent.GetSample(3)` is the vector [1,2,3] in these tests. */
const withVector = contextAt(now, { metrics: { CPUPercent: { samples: history(now, [1, 2, 3]) } } });
const v = "$CPUPercent.GetSample(3)";
const call = (expression: string) => evaluated(expression, withVector);

describe("functions over a doubleVecList", () => {
  it.each([
    ["avg(1, 2, 3, 6)", "3"],
    [`avg(${v})`, "2"],
    [`avg(${v}, 7)`, "3.25"],
    [`len(${v}, 7)`, "4"],
    ["len()", "0"],
    [`max(${v}, 0)`, "3"],
    [`min(${v}, 0)`, "0"],
    ["min(5)", "5"],
    ["norm(3, 4)", "5"],
    [`range(${v}, 10)`, "9"],
    ["std(2, 4, 4, 4, 5, 5, 7, 9)", "2.138089935299395"],
    ["std(5)", "0"],
    [`sum(${v}, 4)`, "10"],
    ["sum()", "0"],
  ])("%s = %s", (expression, expected) => {
    expect(call(expression)).toBe(expected);
  });

  it.each([
    "avg",
    "max",
    "min",
    "range",
    "std",
  ])("%s() of an empty list is an error that says how to guard it", (name) => {
    const error = errorOf(`x = ${name}();`);
    expect(error.detail).toContain(`${name}() of an empty list; check len(...) > 0`);
  });

  it("refuses other types in a list", () => {
    expect(errorOf('x = avg(1, "2");').detail).toContain("avg() takes doubles and doubleVecs, not a string");
    expect(errorOf("x = sum(TimeInterval_Hour);").detail).toContain("not a timeinterval");
  });
});

describe("logarithms", () => {
  it("of a double are doubles", () => {
    expect(call("lg(8)")).toBe("3");
    expect(call("ln(1)")).toBe("0");
    expect(call("log(1000)")).toBe("3");
  });

  it("of a doubleVec or a list are component-wise doubleVecs", () => {
    expect(call(`lg(${v} * 2)`)).toBe("[1,2,2.584962500721156]");
    expect(call("log(10, 100)")).toBe("[1,2]");
    expect(call(`ln(${v})`)).toBe("[0,0.6931471805599453,1.0986122886681096]");
  });

  it("refuse values that are not positive", () => {
    expect(errorOf("x = log(0);").detail).toContain("log() of 0: the logarithm needs positive values");
    expect(errorOf("x = lg(-1);").detail).toContain("lg() of -1");
  });
});

describe("percentile, val, rand, time", () => {
  it("percentile is the nearest-rank element", () => {
    expect(call(`percentile(${v}, 50)`)).toBe("2");
    expect(call(`percentile(${v}, 0)`)).toBe("1");
    expect(call(`percentile(${v}, 100)`)).toBe("3");
    expect(call(`percentile(${v}, 67)`)).toBe("3");
    expect(errorOf(`x = percentile(${v}, 101);`, withVector).detail).toContain("between 0 and 100, not 101");
  });

  it("val reads by zero-based index and refuses an index outside the vector", () => {
    expect(call(`val(${v}, 0)`)).toBe("1");
    expect(call(`val(${v}, 2)`)).toBe("3");
    expect(errorOf(`x = val(${v}, 3);`, withVector).detail).toContain(
      "val() index 3 is outside the vector of length 3",
    );
    expect(errorOf(`x = val(${v}, 0.5);`, withVector).detail).toContain("index 0.5");
  });

  it("rand uses the injected source and takes no arguments", () => {
    const run = evaluateFormula("x = rand();", contextAt(now, { random: () => 0.25 }));
    expect(run.results).toContain("x=0.25");
    expect(errorOf("x = rand(1);").detail).toContain("rand() takes 0 arguments, not 1");
  });

  it("time is the injected clock, or parses W3C-DTF and RFC 1123", () => {
    expect(call("time()")).toBe("2026-11-24T14:00:00.000Z");
    expect(call('time("")')).toBe("2026-11-24T14:00:00.000Z");
    expect(call('time("2026-03-01T08:30:00+02:00")')).toBe("2026-03-01T06:30:00.000Z");
    expect(call('time("2026-03-01")')).toBe("2026-03-01T00:00:00.000Z");
    expect(call('time("Sun, 01 Mar 2026 08:30:00 GMT")')).toBe("2026-03-01T08:30:00.000Z");
    expect(call("$CurrentTime")).toBe("2026-11-24T14:00:00.000Z");
    expect(errorOf('x = time("yesterday");').detail).toContain('time("yesterday") is not a W3C-DTF');
    expect(errorOf("x = time(5);").detail).toContain("time() takes a string, not a double");
  });

  it("an unknown function is named with the list of functions", () => {
    expect(errorOf("x = floor(2.5);").detail).toMatch(
      /^Line 1, Col 5: Unknown function floor; the functions are avg, len/,
    );
  });
});

describe("stop()", () => {
  it("ends evaluation and keeps what was assigned before it", () => {
    const run = evaluateFormula(
      "$TargetDedicatedNodes = 3; a = 1; stop(); a = 2; $TargetDedicatedNodes = 9;",
      contextAt(now),
    );
    expect(run.stopped).toBe(true);
    expect(run.error).toBeUndefined();
    expect(run.results).toBe(
      "$TargetDedicatedNodes=3;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue;a=1",
    );
  });

  it("can be chosen by a condition", () => {
    const formula = "a = $CurrentTime.hour < 12 ? stop() : 1; b = 2;";
    expect(evaluateFormula(formula, contextAt(now)).stopped).toBe(false);
    expect(evaluateFormula(formula, contextAt(Date.parse("2026-11-24T09:00:00Z"))).stopped).toBe(true);
  });
});
