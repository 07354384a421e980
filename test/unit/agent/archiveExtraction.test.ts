/**
 * Extracting application packages on real files: a good tar.gz and zip come out whole (modes, links
 * inside); each malicious archive is refused and writes nothing, neither in the destination nor
 * beside it.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { extractArchive, UnsafeArchiveError } from "../../../agent/archiveExtraction.js";
import { detectPackageFormat } from "../../../protocol/archiveReading.js";
import type { PackageFormat } from "../../../protocol/rest/application.js";
import { type TestEntry, tarGz, zip } from "../../archiveFiles.js";

const GOOD: TestEntry[] = [
  { path: "bin/", type: "directory" },
  { path: "bin/run.sh", content: "#!/bin/sh\necho hi\n", mode: 0o755 },
  { path: "docs/readme.txt", content: "read me\n" },
  { path: "run", type: "symlink", linkTarget: "bin/run.sh" },
];

const builders: Record<PackageFormat, (entries: TestEntry[]) => Buffer> = { "tar.gz": tarGz, zip };

let work: string;
let destination: string;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "openbatch-extract-"));
  destination = join(work, "applications", "app.1");
  mkdirSync(destination, { recursive: true });
});

async function extract(format: PackageFormat, entries: TestEntry[]): Promise<void> {
  const file = join(work, `package.${format}`);
  writeFileSync(file, builders[format](entries));
  await extractArchive(file, format, destination);
}

/** Every path under the work directory except the archive itself. */
function everything(): string[] {
  return (readdirSync(work, { recursive: true }) as string[]).filter((p) => !p.startsWith("package.")).sort();
}

describe.each(["tar.gz", "zip"] as const)("extracting a %s package", (format) => {
  it("writes its files with their modes and keeps links that stay inside", async () => {
    await extract(format, GOOD);
    expect(readFileSync(join(destination, "bin/run.sh"), "utf8")).toBe("#!/bin/sh\necho hi\n");
    expect(statSync(join(destination, "bin/run.sh")).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(destination, "docs/readme.txt"), "utf8")).toBe("read me\n");
    expect(readlinkSync(join(destination, "run"))).toBe("bin/run.sh");
  });

  it.each<[string, TestEntry[], RegExp]>([
    ["a '..' path", [{ path: "../escape.txt", content: "x" }], /'\.\.\/escape\.txt' contains '\.\.'/],
    ["an absolute path", [{ path: "/tmp/openbatch-absolute-escape", content: "x" }], /is absolute/],
    [
      "a symlink out, then a file written through it",
      [
        { path: "out", type: "symlink", linkTarget: "../.." },
        { path: "out/escape.txt", content: "x" },
      ],
      /'out' is a symbolic link to '\.\.\/\.\.', which leaves the package folder/,
    ],
    [
      "a chain of links inside that ends outside",
      [
        { path: "a/b", type: "symlink", linkTarget: ".." },
        { path: "c", type: "symlink", linkTarget: "a/b/.." },
      ],
      /'c' is a symbolic link to 'a\/b\/\.\.', which leaves the package folder/,
    ],
    [
      "a file replacing an inside link",
      [
        { path: "l", type: "symlink", linkTarget: "x" },
        { path: "l", content: "x" },
      ],
      /replaces a symbolic link/,
    ],
    ["a FIFO", [{ path: "pipe", type: "fifo" }], /is a (FIFO|special file)/],
  ])("refuses %s and writes nothing", async (_what, entries, message) => {
    if (format === "zip" && entries.some((e) => e.type === "hardlink")) return;
    await expect(extract(format, entries)).rejects.toThrow(UnsafeArchiveError);
    await expect(extract(format, entries)).rejects.toThrow(message);
    expect(everything()).toEqual(["applications", "applications/app.1"]);
    expect(existsSync("/tmp/openbatch-absolute-escape")).toBe(false);
  });
});

describe("extracting a tar.gz package", () => {
  it("refuses a hard link to a file outside", async () => {
    await expect(
      extract("tar.gz", [{ path: "h", type: "hardlink", linkTarget: "../../secret" }]),
    ).rejects.toThrow(/hard link whose target '\.\.\/\.\.\/secret' contains '\.\.'/);
    expect(everything()).toEqual(["applications", "applications/app.1"]);
  });
});

describe("detectPackageFormat", () => {
  it("tells gzip and zip by their first bytes", () => {
    expect(detectPackageFormat(tarGz(GOOD))).toBe("tar.gz");
    expect(detectPackageFormat(zip(GOOD))).toBe("zip");
    expect(detectPackageFormat(Buffer.from("#!/bin/sh\n"))).toBeUndefined();
  });
});
