/** The agent's own log files: one per start, the newest 10 kept, chosen for an upload by their span. */

import { mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { logFilesBetween, openServiceLog } from "../../../agent/serviceLogs.js";

const at = (iso: string) => new Date(iso);

describe("agent service logs", () => {
  it("open one file per start and keep the newest 10", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "openbatch-logs-")), "logs");
    for (let i = 0; i < 12; i++) {
      const log = openServiceLog(dir, new Date(Date.UTC(2026, 0, 1, 0, 0, i)));
      log.write(`line ${i}\n`);
      log.write(`more ${i}\n`);
      log.close();
    }
    const names = readdirSync(dir).sort();
    expect(names).toHaveLength(10);
    expect(names[0]).toBe("agent-2026-01-01T00-00-02.000Z.log");
    expect(names.at(-1)).toBe("agent-2026-01-01T00-00-11.000Z.log");
    expect(readFileSync(join(dir, names.at(-1)!), "utf8")).toBe("line 11\nmore 11\n");
  });

  it("choose the files whose entries meet the range; the newest goes on until now", () => {
    const dir = mkdtempSync(join(tmpdir(), "openbatch-logs-"));
    const file = (start: string, lastEntry: string) => {
      const name = `agent-${start.replaceAll(":", "-")}.log`;
      writeFileSync(join(dir, name), "entry\n");
      utimesSync(join(dir, name), at(lastEntry), at(lastEntry));
      return name;
    };
    const first = file("2026-01-01T10:00:00.000Z", "2026-01-01T11:00:00.000Z");
    const second = file("2026-01-01T12:00:00.000Z", "2026-01-01T12:30:00.000Z");
    writeFileSync(join(dir, "notes.txt"), "not a log of the agent");
    const names = (from: string, to: string, now = "2026-01-01T13:00:00.000Z") =>
      logFilesBetween(dir, at(from), at(to), Date.parse(now)).map((f) => f.name);
    expect(names("2026-01-01T10:30:00Z", "2026-01-01T10:40:00Z")).toEqual([first]);
    expect(names("2026-01-01T09:00:00Z", "2026-01-01T13:00:00Z")).toEqual([first, second]);
    expect(names("2026-01-01T11:30:00Z", "2026-01-01T11:40:00Z")).toEqual([]);
    // The running agent's file holds entries up to now, whatever its modification time says.
    expect(names("2026-01-01T12:50:00Z", "2026-01-01T12:55:00Z")).toEqual([second]);
    expect(names("2026-01-01T08:00:00Z", "2026-01-01T09:00:00Z")).toEqual([]);
  });
});
