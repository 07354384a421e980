/**
 * Full disks: a node whose node-root filesystem has less free space than the threshold becomes
 * `unusable` with the node error `DiskFull` and gets no new task (the running ones go on: killing them
 * would not free their files); once space is freed it is `idle` (or `running`) again. The threshold
 * is `minFreeDiskBytes` (`service start --min-free-disk-mib`), by default 1% of the filesystem capped
 * at 50 MiB: a task that cannot write fails in ways that look like its own bug, so the node stops
 * taking tasks a little before the disk is completely full.
 */
import type { Health } from "../../protocol/agent.js";
import type { Account } from "./account.js";
import { mebibytes } from "./nodeHealth.js";
import type { NodeRecord } from "./records.js";
import { moveNode } from "./stateChange.js";

/** The node error (ComputeNodeError code) of a node whose disk is full. */
export const DISK_FULL = "DiskFull";
const DEFAULT_CAP_BYTES = 50 * 1024 ** 2;

export function diskFullBelow(minFreeDiskBytes: number | undefined, diskTotalBytes: number): number {
  return minFreeDiskBytes ?? Math.min(DEFAULT_CAP_BYTES, diskTotalBytes / 100);
}

/** Moves a node in or out of `unusable` as its latest health sample's free space says. */
export function checkDiskSpace(account: Account, node: NodeRecord, health: Health): void {
  const available = health.diskAvailableBytes;
  if (available === undefined) return;
  const threshold = diskFullBelow(account.config.minFreeDiskBytes, health.diskTotalBytes);
  const full = available < threshold;
  const marked = node.errors?.some((error) => error.code === DISK_FULL) ?? false;
  if (full && !marked && (node.state === "idle" || node.state === "running")) {
    node.errors = [
      ...(node.errors ?? []),
      {
        code: DISK_FULL,
        message: `The node's disk is full: ${mebibytes(available)} free of ${mebibytes(health.diskTotalBytes)} under the node root, below the ${mebibytes(threshold)} it needs to take tasks. Its running tasks go on; it gets no new one until space is freed: delete files under the node root (finished tasks' directories, shared/), or remove the node.`,
      },
    ];
    moveNode(node, "unusable");
  } else if (!full && marked) {
    const others = (node.errors ?? []).filter((error) => error.code !== DISK_FULL);
    node.errors = others.length > 0 ? others : undefined;
    if (node.state === "unusable" && others.length === 0) moveNode(node, "idle");
  } else return;
  account.nodes.refreshActivity(node.poolId, node.id);
  account.store.putNode(node);
  account.nodes.updateEligibility(node);
}
