/**
 * The agent's own log files — its "Batch service logs" in Azure's words — under `<root>/.agent/logs`:
 * one file per agent start (`agent-<start time>.log`), the newest 10 kept, written beside stderr (which
 * the local provisioner keeps too), so that `uploadbatchservicelogs` can send them from any machine.
 * A file holds entries from its start time to its last modification (the running agent's, to now); an
 * upload takes every file whose span meets the requested range, whole, as Azure does.
 */
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { OutgoingAgentMessage, UploadLogsMessage } from "../protocol/agent.js";
import { BlobContainer } from "./blobContainer.js";
import { errorText } from "./log.js";

const KEPT_FILES = 10;
const FILE_NAME = /^agent-(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2}\.\d{3})Z\.log$/;

/**
 * The running agent's log file. Each line is appended with one write(2) on the event loop, as stderr's
 * (a file too) are: a WriteStream sent every line through libuv's thread pool, whose hand-offs cost
 * the agent more CPU than the write itself (a line per task, at hundreds of tasks a second).
 */
export interface ServiceLog {
  write(text: string): void;
  close(): void;
}

/** Opens a new log file for this start of the agent, deleting the oldest beyond the newest 10. */
export function openServiceLog(directory: string, startedAt = new Date()): ServiceLog {
  mkdirSync(directory, { recursive: true });
  const name = `agent-${startedAt.toISOString().replaceAll(":", "-")}.log`;
  const older = logFiles(directory)
    .map((file) => file.name)
    .sort();
  for (const stale of older.slice(0, Math.max(0, older.length - (KEPT_FILES - 1))))
    rmSync(join(directory, stale), { force: true });
  const fd = openSync(join(directory, name), "a");
  return {
    write(text) {
      try {
        writeSync(fd, text);
      } catch {
        // a full disk loses log lines, never the agent (stderr still has them)
      }
    },
    close: () => closeSync(fd),
  };
}

interface LogFile {
  name: string;
  path: string;
  /** When the agent that wrote it started. */
  from: number;
  /** Its last entry. */
  to: number;
}

function logFiles(directory: string): LogFile[] {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const match = FILE_NAME.exec(name);
    if (!match) return [];
    const path = join(directory, name);
    try {
      const from = Date.parse(`${match[1]}T${match[2]}:${match[3]}:${match[4]}Z`);
      return [{ name, path, from, to: statSync(path).mtimeMs }];
    } catch {
      return []; // deleted meanwhile
    }
  });
}

/**
 * The log files holding entries between `startTime` and `endTime`, oldest first. The newest file is the
 * running agent's: its entries go on until now.
 */
export function logFilesBetween(
  directory: string,
  startTime: Date,
  endTime: Date,
  now = Date.now(),
): LogFile[] {
  const files = logFiles(directory).sort((a, b) => a.from - b.from);
  const current = files.at(-1);
  if (current) current.to = Math.max(current.to, now);
  return files.filter((file) => file.to >= startTime.getTime() && file.from <= endTime.getTime());
}

/** Uploads the files the request asks for; the answer says how many went, or why the rest did not. */
export async function uploadServiceLogs(
  directory: string,
  request: UploadLogsMessage,
): Promise<OutgoingAgentMessage> {
  const container = new BlobContainer(request.containerUrl);
  const files = logFilesBetween(directory, new Date(request.startTime), new Date(request.endTime));
  let uploaded = 0;
  for (const file of files) {
    try {
      await container.upload(`${request.virtualDirectory}${file.name}`, file.path, {
        "content-type": "text/plain; charset=utf-8",
      });
      uploaded++;
    } catch (error) {
      return {
        type: "logsUploaded",
        replyTo: request.requestId,
        ok: false,
        numberOfFilesUploaded: uploaded,
        errorMessage: `${file.name} to ${container.describe()}: ${errorText(error)}`,
      };
    }
  }
  return { type: "logsUploaded", replyTo: request.requestId, ok: true, numberOfFilesUploaded: uploaded };
}
