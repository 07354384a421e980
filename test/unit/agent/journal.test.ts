import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Journal } from "../../../agent/journal.js";
import { createLog } from "../../../agent/log.js";

interface Item {
  id: string;
  n: number;
}

let dir: string;
let path: string;
let warnings: string[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "openbatch-journal-"));
  path = join(dir, "items.jsonl");
  warnings = [];
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

function open(): Journal<Item> {
  const log = createLog({ write: (line) => warnings.push(line) });
  return new Journal<Item>({ path, log, keyOf: (item) => item.id, removalField: "gone" });
}

/** Removals are written at the end of the event-loop turn. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const fileLines = () =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line !== "");
const item = (id: string, n = 0): Item => ({ id, n });

describe("Journal", () => {
  it("starts empty without a file and creates it", () => {
    const journal = open();
    expect(journal.size).toBe(0);
    expect(readFileSync(path, "utf8")).toBe("");
  });

  it("has a set on disk when set returns, and replays values in the order first set", async () => {
    const journal = open();
    journal.set(item("b"));
    journal.set(item("a"));
    expect(fileLines().at(-1)).toBe(JSON.stringify(item("a")));
    journal.set(item("b", 1)); // a later set keeps its place
    expect([...journal.values()]).toEqual([item("b", 1), item("a")]);
    expect([...open().values()]).toEqual([item("b", 1), item("a")]);
  });

  it("writes removal lines at the end of the turn and replays them as tombstones", async () => {
    const journal = open();
    for (const id of ["a", "b", "c"]) journal.set(item(id));
    expect(journal.delete("a")).toBe(true);
    expect(journal.delete("a")).toBe(false);
    journal.delete("c");
    expect(journal.get("a")).toBeUndefined();
    expect(fileLines()).toHaveLength(3);
    await nextTurn();
    expect(fileLines().slice(3)).toEqual(['{"gone":"a"}', '{"gone":"c"}']);
    expect([...open().values()]).toEqual([item("b")]);
  });

  it("writes pending removals before a set, so a value set again after its removal survives", () => {
    const journal = open();
    journal.set(item("a"));
    journal.set(item("b"));
    journal.delete("a");
    journal.set(item("a", 2));
    expect(fileLines().slice(2)).toEqual(['{"gone":"a"}', JSON.stringify(item("a", 2))]);
    // Killed here, before the turn ends: what was written still tells the same story.
    expect([...open().values()]).toEqual([item("b"), item("a", 2)]);
  });

  it("ignores a torn last line, and the next append does not merge with it", () => {
    open().set(item("a"));
    appendFileSync(path, '{"id":"b","n"'); // killed mid-write
    const reopened = open();
    expect([...reopened.values()]).toEqual([item("a")]);
    expect(warnings.join("\n")).toMatch(/skipping unreadable line 2 of/);
    reopened.set(item("c"));
    expect([...open().values()]).toEqual([item("a"), item("c")]);
  });

  it("skips garbled lines anywhere with a warning instead of failing", () => {
    writeFileSync(
      path,
      [
        JSON.stringify(item("a")),
        "not json",
        "42",
        "null",
        '{"n":1}',
        '{"gone":7}',
        JSON.stringify(item("b")),
      ]
        .map((line) => `${line}\n`)
        .join(""),
    );
    expect([...open().values()]).toEqual([item("a"), item("b")]);
    expect(warnings.filter((w) => w.includes("warn journal: skipping"))).toHaveLength(5);
  });

  it("compacts at open: the file holds only the live values, in order", async () => {
    const journal = open();
    for (const id of ["a", "b", "c", "d"]) journal.set(item(id));
    journal.delete("b");
    journal.set(item("a", 1));
    await nextTurn();
    expect(fileLines()).toHaveLength(6);
    open();
    expect(fileLines()).toEqual([item("a", 1), item("c"), item("d")].map((i) => JSON.stringify(i)));
    expect(readdirSync(dir)).toEqual(["items.jsonl"]); // no temporary file left behind
  });

  it("compacts when removed values dominate the file", async () => {
    const journal = open();
    journal.set(item("keep"));
    for (let i = 0; i < 1000; i++) {
      journal.set(item(`t${i}`));
      journal.delete(`t${i}`);
    }
    await nextTurn();
    // Without compaction: 1 + 2 × 1000 lines; with it, at most 4 per live value + 1000.
    expect(fileLines().length).toBeLessThan(1100);
    expect([...open().values()]).toEqual([item("keep")]);
  });

  it("truncates the file when the last value is removed", async () => {
    const journal = open();
    journal.set(item("a"));
    journal.set(item("b"));
    journal.delete("a");
    journal.delete("b");
    await nextTurn();
    expect(readFileSync(path, "utf8")).toBe("");
    journal.set(item("c"));
    expect(fileLines()).toEqual([JSON.stringify(item("c"))]);
    expect([...open().values()]).toEqual([item("c")]);
    expect(existsSync(`${path}.${process.pid}.tmp`)).toBe(false);
  });
});
