/**
 * Builds application package archives byte by byte for tests, including the malicious ones real tools
 * refuse to make: tar.gz through tar's own header encoder (any path, type and link target), zip with
 * stored (uncompressed) entries and Unix modes in the external attributes.
 */
import { crc32, gzipSync } from "node:zlib";
import { Header } from "tar";

export interface TestEntry {
  path: string;
  /** Default `file`. */
  type?: "file" | "directory" | "symlink" | "hardlink" | "fifo";
  content?: string;
  linkTarget?: string;
  /** Default 0o644 for files, 0o755 for directories. */
  mode?: number;
}

const TAR_TYPES = {
  file: "File",
  directory: "Directory",
  symlink: "SymbolicLink",
  hardlink: "Link",
  fifo: "FIFO",
} as const;

export function tarGz(entries: TestEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const type = entry.type ?? "file";
    const data = Buffer.from(type === "file" ? (entry.content ?? "") : "");
    const header = new Header({
      path: entry.path,
      type: TAR_TYPES[type],
      mode: entry.mode ?? (type === "directory" ? 0o755 : 0o644),
      size: data.length,
      linkpath: entry.linkTarget,
      mtime: new Date(0),
      uid: 0,
      gid: 0,
    });
    const block = Buffer.alloc(512);
    header.encode(block, 0);
    blocks.push(block, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

const UNIX_TYPES = {
  file: 0o100000,
  directory: 0o040000,
  symlink: 0o120000,
  hardlink: 0o100000,
  fifo: 0o010000,
};

export function zip(entries: TestEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const type = entry.type ?? "file";
    const name = Buffer.from(entry.path, "utf8");
    const data = Buffer.from(type === "symlink" ? (entry.linkTarget ?? "") : (entry.content ?? ""));
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x031e, 4); // made by Unix
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    const mode = UNIX_TYPES[type] | (entry.mode ?? (type === "directory" ? 0o755 : 0o644));
    central.writeUInt32LE((mode << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const centralSize = centrals.reduce((sum, b) => sum + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}
