/**
 * Writes the agent's state files so that a crash of the agent leaves either the old or the new
 * content, never a torn file: write a temporary sibling, rename it over the target.
 *
 * No fsync, on purpose. This state only has to outlive the agent process (killed, crashed,
 * restarted), and the kernel's page cache keeps what a dead process wrote. A machine that goes down
 * takes its tasks with it; the service handles that as a lost node (requeue or fail per the pool's
 * rules), so the agent's files would not help there. Two fsyncs per task cost more than the spawn.
 * The same holds for the journals (journal.ts) that keep the per-task state.
 */
import { closeSync, openSync, renameSync, writeFileSync } from "node:fs";

/** `mode` applies to the new file (under the umask): private to the agent's user unless told otherwise. */
export function writeFileAtomic(path: string, content: string | Uint8Array, mode = 0o600): void {
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, "w", mode);
  try {
    writeFileSync(fd, content);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}
