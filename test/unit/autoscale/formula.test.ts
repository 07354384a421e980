/**
 * The shape of a formula: statements, comments, limits, parse errors with their line and column,
 * variables (service-defined, aliases, user), and the results string.
 */
import { describe, expect, it } from "vitest";
import { evaluateFormula } from "../../../service/autoscale/evaluator.js";
import { parseFormula } from "../../../service/autoscale/parser.js";
import { contextAt, errorOf, tuesdayAfternoon } from "./formulaContext.js";

const context = contextAt(tuesdayAfternoon, { targetDedicatedNodes: 2, targetLowPriorityNodes: 1 });
const results = (formula: string) => {
  const run = evaluateFormula(formula, context);
  if (run.error) throw new Error(run.error.values[0].value);
  return run.results;
};

describe("statements and comments", () => {
  it("separates statements with ';', allows a missing last ';', empty statements, line breaks and comments", () => {
    const formula = `// leading comment
      a = 1;; b = /* inline */ 2
      ;
      /* a block
         over lines */ c = a +
        b // trailing comment
    `;
    expect(results(formula)).toBe(
      "$TargetDedicatedNodes=2;$TargetLowPriorityNodes=1;$NodeDeallocationOption=requeue;a=1;b=2;c=3",
    );
  });

  it("an empty formula reports the pool's current targets", () => {
    expect(results("")).toBe(
      "$TargetDedicatedNodes=2;$TargetLowPriorityNodes=1;$NodeDeallocationOption=requeue",
    );
  });

  it("accepts exactly 100 statements and 8 KB, and refuses more with what to do", () => {
    const hundred = Array.from({ length: 100 }, (_, index) => `v${index} = ${index}`).join(";");
    expect(parseFormula(hundred)).toHaveLength(100);
    const tooMany = errorOf(`${hundred}; v100 = 1`);
    expect(tooMany.code).toBe("AutoScaleFormulaTooManyStatements");
    expect(tooMany.message).toBe("The autoscale formula has more than 100 statements");
    expect(tooMany.detail).toMatch(
      /^Line 1, Col \d+: The formula has 101 statements; the limit is 100\. Combine statements/,
    );

    const padded = (bytes: number) => `a = 1; //${"x".repeat(bytes - 9)}`;
    expect(Buffer.byteLength(padded(8192))).toBe(8192);
    expect(evaluateFormula(padded(8192), context).error).toBeUndefined();
    const tooLong = errorOf(padded(8193));
    expect(tooLong.code).toBe("AutoScaleFormulaTooLong");
    expect(tooLong.detail).toBe(
      "The formula is 8193 bytes; the limit is 8192 bytes. Shorten it (comments count too)",
    );
  });

  it("counts bytes, not characters, against the 8 KB limit", () => {
    expect(errorOf(`a = 1; // ${"é".repeat(4093)}`).code).toBe("AutoScaleFormulaTooLong");
  });
});

describe("parse errors say where and what was expected", () => {
  it.each([
    [
      "a = ",
      "Line 1, Col 5: Expected a number, string, variable, function call or '(' but found the end of the formula",
    ],
    [
      "a = 1 +\n  * 2",
      "Line 2, Col 3: Expected a number, string, variable, function call or '(' but found '*'",
    ],
    ["a = (1 + 2", "Line 1, Col 11: Expected ')' to close the parenthesis but found the end of the formula"],
    ["a = 1 b = 2", "Line 1, Col 7: Expected ';' to end the statement but found 'b'"],
    [
      "a = 1 ? 2",
      "Line 1, Col 10: Expected ':' to separate the two branches of ?: but found the end of the formula",
    ],
    [
      "a = max(1, 2",
      "Line 1, Col 13: Expected ')' to close the argument list but found the end of the formula",
    ],
    [
      "a = time().",
      "Line 1, Col 12: Expected a member or method name after '.' but found the end of the formula",
    ],
    ["a = 1;\n  /* never closed", "Line 2, Col 3: Comment is not closed; end it with */"],
    ['a = time("2026', 'Line 1, Col 10: String is not closed; end it with " on the same line'],
    [
      "a = 7 % 2",
      "Line 1, Col 7: Unsupported character '%': the Azure Batch formula language has no remainder operator",
    ],
    [
      "a = 2 ^ 3",
      "Line 1, Col 7: Unsupported character '^': the Azure Batch formula language has no power operator",
    ],
    ["a = [1, 2]", "Line 1, Col 5: Unsupported character '[': there are no vector literals"],
    ["a = 1 # 2", "Line 1, Col 7: Unexpected character '#'; remove it"],
    ["a = 2TimeInterval_Minute", "Line 1, Col 5: Number 2 runs into a name; put an operator between them"],
    ["a = $ + 1", "Line 1, Col 5: A lone $ must be followed by a variable name"],
  ])("%j", (formula, detail) => {
    const error = errorOf(formula);
    expect(error.code).toBe("InvalidAutoScaleFormula");
    expect(error.message).toBe("The autoscale formula is not valid");
    expect(error.detail.startsWith(detail)).toBe(true);
  });

  it("a parse error anywhere means nothing is evaluated", () => {
    const run = evaluateFormula("$TargetDedicatedNodes = 7;\na = (", context);
    expect(run.error?.code).toBe("InvalidAutoScaleFormula");
    expect(run.results).toBe(
      "$TargetDedicatedNodes=2;$TargetLowPriorityNodes=1;$NodeDeallocationOption=requeue",
    );
  });
});

describe("variables", () => {
  it("lists the outputs first and user variables (with or without $) in ordinal order", () => {
    expect(
      results(
        "zeta = 1; $alpha = 2; Beta = 3; $NodeDeallocationOption = retaineddata; $TargetLowPriorityNodes = 4",
      ),
    ).toBe(
      "$TargetDedicatedNodes=2;$TargetLowPriorityNodes=4;$NodeDeallocationOption=retaineddata;$alpha=2;Beta=3;zeta=1",
    );
  });

  it("reads the pool's current targets until they are assigned, then the assigned value", () => {
    expect(
      results(
        "a = $TargetDedicatedNodes; $TargetDedicatedNodes = 5; b = $TargetDedicatedNodes + $TargetLowPriorityNodes",
      ),
    ).toBe("$TargetDedicatedNodes=5;$TargetLowPriorityNodes=1;$NodeDeallocationOption=requeue;a=2;b=6");
  });

  it("accepts the aliases $TargetDedicated and $TargetLowPriority; the full name wins when both are set", () => {
    expect(results("$TargetDedicated = 3; $TargetLowPriority = 6")).toBe(
      "$TargetDedicatedNodes=3;$TargetLowPriorityNodes=6;$NodeDeallocationOption=requeue",
    );
    expect(results("$TargetDedicatedNodes = 4; $TargetDedicated = 3; a = $TargetDedicated")).toBe(
      "$TargetDedicatedNodes=4;$TargetLowPriorityNodes=1;$NodeDeallocationOption=requeue;a=4",
    );
  });

  it("accepts every node deallocation option and refuses anything else", () => {
    for (const option of ["requeue", "terminate", "taskcompletion", "retaineddata"]) {
      expect(
        evaluateFormula(`$NodeDeallocationOption = ${option}`, context).targets.nodeDeallocationOption,
      ).toBe(option);
    }
    expect(
      evaluateFormula('$NodeDeallocationOption = "terminate"', context).targets.nodeDeallocationOption,
    ).toBe("terminate");
    expect(errorOf("$NodeDeallocationOption = 1").detail).toContain(
      "$NodeDeallocationOption must be one of requeue, terminate, taskcompletion, retaineddata, not 1",
    );
  });

  it("refuses assigning a read-only variable or a constant, and a target that is not a double", () => {
    expect(errorOf("$PendingTasks = 3").detail).toBe(
      "Line 1, Col 1: $PendingTasks is read-only; assign your own variable or a $Target... variable instead",
    );
    expect(errorOf("TimeInterval_Hour = 3").detail).toContain("TimeInterval_Hour is a built-in constant");
    expect(errorOf('$TargetDedicatedNodes = "many"').detail).toContain(
      "$TargetDedicatedNodes must be a double, not a string",
    );
  });

  it("refuses a variable used before it is assigned, naming it", () => {
    expect(errorOf("a = 1;\nb = a + c").detail).toBe(
      "Line 2, Col 9: Variable c is used before it is assigned; assign it in an earlier statement",
    );
    expect(errorOf("a = $Pending").detail).toContain("Variable $Pending is used before it is assigned");
  });

  it("reports what ran before a runtime error", () => {
    const run = evaluateFormula("$TargetDedicatedNodes = 6; a = 1; b = a / 0; c = 3", context);
    expect(run.error?.values[0].value).toMatch(/^Line 1, Col 41: Division by zero/);
    expect(run.results).toBe(
      "$TargetDedicatedNodes=6;$TargetLowPriorityNodes=1;$NodeDeallocationOption=requeue;a=1",
    );
    expect(run.variables.get("a")).toEqual({ type: "double", value: 1 });
  });

  it("hands the pool whole, non-negative targets", () => {
    const run = evaluateFormula("$TargetDedicatedNodes = 2.5; $TargetLowPriorityNodes = -3", context);
    expect(run.results).toContain("$TargetDedicatedNodes=2.5;$TargetLowPriorityNodes=-3;");
    expect(run.targets).toEqual({
      targetDedicatedNodes: 3,
      targetLowPriorityNodes: 0,
      nodeDeallocationOption: "requeue",
    });
  });
});
