/** service/api/odata.ts: the $filter parser and evaluator, and $select. */
import { describe, expect, it } from "vitest";
import {
  applySelect,
  type FilterExpression,
  matchesFilter,
  parseFilter,
  parseSelect,
  stateEquality,
} from "../../../service/api/odata.js";
import { thrownBatchError } from "./apiHarness.js";

const task = {
  id: "task-07",
  displayName: "it's a task",
  state: "completed",
  priority: 5,
  ratio: 0.25,
  isDedicated: true,
  creationTime: "2024-03-01T12:00:00.000Z",
  executionInfo: { exitCode: 0, retryCount: 2, endTime: "2024-03-01T12:05:30.500Z" },
  nodeInfo: null,
};

const matches = (filter: string, item: unknown = task) => matchesFilter(parseFilter(filter), item);

const filterError = (filter: string) => thrownBatchError(() => parseFilter(filter));

describe("parseFilter", () => {
  it("parses a comparison into a path and a literal", () => {
    expect(parseFilter("state eq 'active'")).toEqual({
      kind: "compare",
      op: "eq",
      left: { kind: "path", segments: ["state"] },
      right: { kind: "literal", value: "active", datetime: false },
    });
  });

  it("splits nested paths into segments", () => {
    expect(parseFilter("executionInfo/exitCode ge -1")).toEqual({
      kind: "compare",
      op: "ge",
      left: { kind: "path", segments: ["executionInfo", "exitCode"] },
      right: { kind: "literal", value: -1 },
    });
  });

  it("binds and tighter than or, and parentheses tighter than both", () => {
    const a = { kind: "truthy", operand: { kind: "path", segments: ["a"] } } as const;
    const b = { kind: "truthy", operand: { kind: "path", segments: ["b"] } } as const;
    const c = { kind: "truthy", operand: { kind: "path", segments: ["c"] } } as const;
    expect(parseFilter("a or b and c")).toEqual({
      kind: "or",
      left: a,
      right: { kind: "and", left: b, right: c },
    });
    expect(parseFilter("(a or b) and c")).toEqual({
      kind: "and",
      left: { kind: "or", left: a, right: b },
      right: c,
    });
    expect(parseFilter("not a and b")).toEqual({ kind: "and", left: { kind: "not", operand: a }, right: b });
  });

  it("reads literals: numbers, booleans, null, datetimes and strings with doubled quotes", () => {
    const right = (filter: string) =>
      (parseFilter(filter) as Extract<FilterExpression, { kind: "compare" }>).right;
    expect(right("x eq 1.5e3")).toEqual({ kind: "literal", value: 1500 });
    expect(right("x eq TRUE")).toEqual({ kind: "literal", value: true });
    expect(right("x eq null")).toEqual({ kind: "literal", value: null });
    expect(right("x eq 'it''s'")).toEqual({ kind: "literal", value: "it's", datetime: false });
    expect(right("x gt datetime'2024-01-01T00:00:00Z'")).toEqual({
      kind: "literal",
      value: "2024-01-01T00:00:00Z",
      datetime: true,
    });
  });

  it("reads keywords and operators in any case", () => {
    expect(parseFilter("state EQ 'a' AND NOT (id Ne 'b')")).toEqual(
      parseFilter("state eq 'a' and not (id ne 'b')"),
    );
  });

  it.each([
    ["empty", ""],
    ["only spaces", "   "],
    ["a comparison without its right side", "state eq"],
    ["an operator where a property belongs", "eq 'active'"],
    ["an unclosed string", "state eq 'active"],
    ["an unclosed datetime", "creationTime gt datetime'2024"],
    ["a datetime that is not a date", "creationTime gt datetime'yesterday'"],
    ["an empty datetime", "creationTime gt datetime''"],
    ["an unclosed parenthesis", "(state eq 'active'"],
    ["an extra parenthesis", "state eq 'active')"],
    ["empty parentheses", "()"],
    ["a symbol operator", "state == 'active'"],
    ["a stray character", "state eq 'a' & id eq 'b'"],
    ["a lone minus", "priority gt -"],
    ["two expressions side by side", "state eq 'a' id eq 'b'"],
    ["a dangling and", "state eq 'a' and"],
    ["a dangling not", "not"],
    ["startswith with one argument", "startswith(id)"],
    ["startswith with three arguments", "startswith(id, 'a', 'b')"],
    ["a function without its closing parenthesis", "startswith(id, 'a'"],
  ])("refuses %s", (_name, filter) => {
    const error = filterError(filter);
    expect(error.code).toBe("InvalidQueryParameterValue");
    expect(error.status).toBe(400);
    expect(error.values).toEqual(
      expect.arrayContaining([
        { key: "QueryParameterName", value: "$filter" },
        { key: "QueryParameterValue", value: filter },
      ]),
    );
    expect(error.values.find((v) => v.key === "Reason")?.value).toMatch(/\S/);
  });

  it("says where it went wrong", () => {
    expect(filterError("state eq 'a' & x").message).toContain("position 13");
    expect(filterError("(state eq 'a'").message).toContain("')' is missing");
  });
});

describe("matchesFilter", () => {
  it.each([
    ["state eq 'completed'", true],
    ["state eq 'active'", false],
    ["state ne 'active'", true],
    ["state ne 'completed'", false],
    ["'completed' eq state", true],
    ["id eq 'TASK-07'", false],
  ])("compares strings exactly: %s → %s", (filter, expected) => {
    expect(matches(filter)).toBe(expected);
  });

  it.each([
    ["priority eq 5", true],
    ["priority gt 4", true],
    ["priority gt 5", false],
    ["priority ge 5", true],
    ["priority lt 5", false],
    ["priority le 5", true],
    ["priority gt -10", true],
    ["ratio lt 0.5", true],
    ["ratio eq 2.5e-1", true],
    ["priority eq '5'", false],
    ["priority gt '4'", false],
  ])("compares numbers by value, not as text: %s → %s", (filter, expected) => {
    expect(matches(filter)).toBe(expected);
  });

  it.each([
    ["executionInfo/exitCode eq 0", true],
    ["executionInfo/exitCode ne 0", false],
    ["executionInfo/retryCount ge 2", true],
    ["executionInfo/failureInfo eq null", true],
    ["executionInfo/failureInfo/code eq 'x'", false],
    ["nodeInfo/nodeId eq null", true],
    ["nosuch/deeper/path eq null", true],
    ["nosuch ne null", false],
  ])("follows nested paths, missing ones being null: %s → %s", (filter, expected) => {
    expect(matches(filter)).toBe(expected);
  });

  it.each([
    ["state eq 'completed' and priority eq 5", true],
    ["state eq 'completed' and priority eq 6", false],
    ["state eq 'active' or priority eq 5", true],
    ["state eq 'active' or priority eq 6", false],
    ["not (state eq 'active')", true],
    ["not (state eq 'completed')", false],
    ["not not (state eq 'completed')", true],
    ["state eq 'active' or priority eq 5 and id eq 'nope'", false],
    ["(state eq 'active' or priority eq 5) and id eq 'task-07'", true],
    ["(state eq 'active' or (priority eq 5 and (id eq 'task-07')))", true],
  ])("combines with and, or, not and parentheses: %s → %s", (filter, expected) => {
    expect(matches(filter)).toBe(expected);
  });

  it.each([
    ["isDedicated", true],
    ["isDedicated eq true", true],
    ["isDedicated eq false", false],
    ["not isDedicated", false],
    ["priority", false],
  ])("treats a bare property as true only when it is the boolean true: %s → %s", (filter, expected) => {
    expect(matches(filter)).toBe(expected);
  });

  it.each([
    ["startswith(id, 'task-')", true],
    ["startswith(id, 'task-1')", false],
    ["endswith(id, '-07')", true],
    ["endswith(id, '07x')", false],
    ["startswith(displayName, 'it''s')", true],
    ["startswith(priority, '5')", false],
    ["startswith(nosuch, '')", false],
    ["not startswith(id, 'job')", true],
    ["startswith(id, 'task') and state eq 'completed'", true],
  ])("evaluates startswith and endswith: %s → %s", (filter, expected) => {
    expect(matches(filter)).toBe(expected);
  });

  it.each([
    ["creationTime gt datetime'2024-01-01T00:00:00Z'", true],
    ["creationTime lt datetime'2024-01-01T00:00:00Z'", false],
    ["creationTime eq datetime'2024-03-01T12:00:00Z'", true],
    ["creationTime eq datetime'2024-03-01T13:00:00+01:00'", true],
    ["creationTime ge datetime'2024-03-01T12:00:00.000Z'", true],
    ["creationTime gt datetime'2024-03-01T12:00:00.001Z'", false],
    ["executionInfo/endTime gt datetime'2024-03-01T12:05:30Z'", true],
    ["executionInfo/endTime le datetime'2024-03-01T12:05:30.499Z'", false],
    ["nosuch gt datetime'2000-01-01T00:00:00Z'", false],
    [
      "creationTime gt datetime'2024-03-01T12:00:00Z' and creationTime lt datetime'2024-03-02T00:00:00Z'",
      false,
    ],
    [
      "creationTime ge datetime'2024-03-01T12:00:00Z' and creationTime lt datetime'2024-03-02T00:00:00Z'",
      true,
    ],
  ])("compares datetime literals as instants: %s → %s", (filter, expected) => {
    expect(matches(filter)).toBe(expected);
  });

  it("filters a list", () => {
    const items = [
      { id: "a", state: "active", executionInfo: { exitCode: 1 } },
      { id: "b", state: "completed", executionInfo: { exitCode: 0 } },
      { id: "c", state: "completed", executionInfo: { exitCode: 2 } },
      { id: "d", state: "running" },
    ];
    const filter = parseFilter("state eq 'completed' and executionInfo/exitCode ne 0 or state eq 'running'");
    expect(items.filter((item) => matchesFilter(filter, item)).map((i) => i.id)).toEqual(["c", "d"]);
  });
});

describe("stateEquality", () => {
  it.each([
    ["state eq 'active'", "active"],
    ["'running' eq state", "running"],
    ["state eq 'active' and priority gt 1", "active"],
    ["priority gt 1 and state eq 'completed'", "completed"],
    ["state eq 'active' or state eq 'running'", undefined],
    ["state ne 'active'", undefined],
    ["not (state eq 'active')", undefined],
    ["executionInfo/state eq 'active'", undefined],
    ["state eq datetime'2024-01-01T00:00:00Z'", undefined],
  ])("answers %s with %s", (filter, expected) => {
    expect(stateEquality(parseFilter(filter))).toBe(expected);
  });
});

describe("$select", () => {
  it("reads a comma-separated list of top-level names", () => {
    expect(parseSelect("id, state ,executionInfo")).toEqual(["id", "state", "executionInfo"]);
    expect(parseSelect(undefined)).toBeUndefined();
    expect(parseSelect(" , ")).toBeUndefined();
  });

  it.each(["id,executionInfo/exitCode", "id;state", "1id"])("refuses %s", (select) => {
    expect(() => parseSelect(select)).toThrow(
      expect.objectContaining({
        code: "InvalidQueryParameterValue",
        values: [
          { key: "QueryParameterName", value: "$select" },
          { key: "QueryParameterValue", value: select },
        ],
      }),
    );
  });

  it("keeps the selected properties and the OData annotations", () => {
    const item = { "odata.type": "task", id: "a", state: "active", url: "u" };
    expect(applySelect(item, ["state", "id", "nosuch"])).toEqual({
      "odata.type": "task",
      id: "a",
      state: "active",
    });
    expect(applySelect(item, undefined)).toBe(item);
  });
});
