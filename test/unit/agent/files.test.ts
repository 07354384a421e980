import {
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerFileRequest, MAX_READ_BYTES, pathSegments, resolveInsideRoot } from "../../../agent/files.js";
import type { FileRequestMessage } from "../../../protocol/agent.js";

let base: string;
let root: string;

beforeAll(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), "openbatch-files-")));
  root = join(base, "node");
  mkdirSync(join(root, "workitems/job1/job-1/task1/wd"), { recursive: true });
  mkdirSync(join(root, "shared"));
  mkdirSync(join(root, ".agent"));
  writeFileSync(join(root, ".agent/outbox.jsonl"), "secret state");
  writeFileSync(join(root, "workitems/job1/job-1/task1/stdout.txt"), "0123456789");
  writeFileSync(join(root, "workitems/job1/job-1/task1/wd/empty.txt"), "");
  writeFileSync(join(base, "outside.txt"), "not yours");
  writeFileSync(join(root, "shared/big.bin"), "");
  symlinkSync(join(base, "outside.txt"), join(root, "shared/escape"));
  symlinkSync(base, join(root, "shared/escapedir"));
  symlinkSync(join(root, "workitems/job1/job-1/task1/stdout.txt"), join(root, "shared/inside"));
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

function request(fields: Partial<FileRequestMessage>): FileRequestMessage {
  return { type: "fileRequest", protocolVersion: 1, requestId: "r1", op: "stat", path: "", ...fields };
}

describe("path containment", () => {
  it.each(["../x", "a/../../x", "shared/..", "/etc/passwd", "\\x", "C:/x", "a\0b"])("refuses %j", (path) => {
    expect(() => pathSegments(path)).toThrow();
  });

  it("normalises empty and dot segments", () => {
    expect(pathSegments("")).toEqual([]);
    expect(pathSegments("./shared//x/.")).toEqual(["shared", "x"]);
  });

  it("refuses a symlink that resolves outside the root", async () => {
    await expect(resolveInsideRoot(root, "shared/escape")).rejects.toMatchObject({
      code: "InvalidPropertyValue",
    });
    await expect(resolveInsideRoot(root, "shared/escapedir/outside.txt")).rejects.toMatchObject({
      code: "InvalidPropertyValue",
    });
  });

  it("follows a symlink that stays inside the root", async () => {
    expect(await resolveInsideRoot(root, "shared/inside")).toBe(
      join(root, "workitems/job1/job-1/task1/stdout.txt"),
    );
  });

  it("hides the agent's state directory", async () => {
    await expect(resolveInsideRoot(root, ".agent/outbox.jsonl")).rejects.toMatchObject({
      code: "FileNotFound",
    });
    await expect(resolveInsideRoot(root, "./.agent")).rejects.toMatchObject({ code: "FileNotFound" });
  });
});

describe("answerFileRequest", () => {
  it("lists a directory without recursion, hiding .agent and links that escape", async () => {
    const answer = await answerFileRequest(root, request({ op: "list", path: "" }));
    expect(answer.ok).toBe(true);
    expect(answer.entries!.map((e) => e.name)).toEqual(["shared", "workitems"]);
    const shared = await answerFileRequest(root, request({ op: "list", path: "shared" }));
    expect(shared.entries!.map((e) => e.name)).toEqual(["big.bin", "inside"]);
  });

  it("lists recursively with names relative to the listed directory", async () => {
    const answer = await answerFileRequest(
      root,
      request({ op: "list", path: "workitems/job1", recursive: true }),
    );
    expect(answer.entries!.map((e) => [e.name, e.isDirectory, e.contentLength])).toEqual([
      ["job-1", true, 0],
      ["job-1/task1", true, 0],
      ["job-1/task1/stdout.txt", false, 10],
      ["job-1/task1/wd", true, 0],
      ["job-1/task1/wd/empty.txt", false, 0],
    ]);
    const entry = answer.entries![2]!;
    expect(entry.fileMode).toMatch(/^0o100\d{3}$/);
    expect(Date.parse(entry.lastModified)).not.toBeNaN();
    expect(Date.parse(entry.creationTime)).not.toBeNaN();
  });

  it("stats a file", async () => {
    const answer = await answerFileRequest(
      root,
      request({ op: "stat", path: "workitems/job1/job-1/task1/stdout.txt" }),
    );
    expect(answer).toMatchObject({
      type: "fileResponse",
      replyTo: "r1",
      ok: true,
      file: { name: "workitems/job1/job-1/task1/stdout.txt", isDirectory: false, contentLength: 10 },
    });
  });

  it("reads whole files and inclusive ranges, clipping the end to the file", async () => {
    const path = "workitems/job1/job-1/task1/stdout.txt";
    const read = async (rangeStart?: number, rangeEnd?: number) => {
      const answer = await answerFileRequest(root, request({ op: "read", path, rangeStart, rangeEnd }));
      return answer.ok ? Buffer.from(answer.data!, "base64").toString() : answer.errorCode;
    };
    expect(await read()).toBe("0123456789");
    expect(await read(2, 4)).toBe("234");
    expect(await read(7, 100)).toBe("789");
    expect(await read(7)).toBe("789");
    expect(await read(10)).toBe("InvalidRange");
    expect(await read(5, 4)).toBe("InvalidRange");
  });

  it("reads an empty file", async () => {
    const answer = await answerFileRequest(
      root,
      request({ op: "read", path: "workitems/job1/job-1/task1/wd/empty.txt" }),
    );
    expect(answer).toMatchObject({ ok: true, data: "" });
  });

  it("refuses a range larger than 16 MiB, pointing at ocp-range", async () => {
    const big = "shared/big.bin";
    truncateSync(join(root, big), MAX_READ_BYTES + 10); // sparse: costs no disk
    const whole = await answerFileRequest(root, request({ op: "read", path: big }));
    expect(whole).toMatchObject({ ok: false, errorCode: "InvalidRange" });
    expect(whole.errorMessage).toContain("ocp-range");
    const tail = await answerFileRequest(
      root,
      request({ op: "read", path: big, rangeStart: MAX_READ_BYTES }),
    );
    expect(Buffer.from(tail.data!, "base64")).toHaveLength(10);
  });

  it("answers errors with the protocol's codes", async () => {
    expect(await answerFileRequest(root, request({ op: "stat", path: "nope" }))).toMatchObject({
      ok: false,
      errorCode: "FileNotFound",
    });
    expect(await answerFileRequest(root, request({ op: "read", path: "../outside.txt" }))).toMatchObject({
      ok: false,
      errorCode: "InvalidPropertyValue",
    });
    expect(await answerFileRequest(root, request({ op: "read", path: "shared/escape" }))).toMatchObject({
      ok: false,
      errorCode: "InvalidPropertyValue",
    });
    expect(await answerFileRequest(root, request({ op: "read", path: "shared" }))).toMatchObject({
      ok: false,
      errorCode: "InvalidPropertyValue",
    });
  });
});
