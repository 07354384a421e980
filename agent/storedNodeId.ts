/**
 * The node id a cloud VM's agent was given by the service on first registration, kept in
 * `<root>/.agent/node.json` so that after a reboot or agent restart it registers as the same node.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "./atomicFile.js";

const FILE_NAME = "node.json";

export function readStoredNodeId(agentStateDir: string): string | undefined {
  try {
    const value = JSON.parse(readFileSync(join(agentStateDir, FILE_NAME), "utf8")) as { nodeId?: unknown };
    return typeof value.nodeId === "string" && value.nodeId !== "" ? value.nodeId : undefined;
  } catch {
    return undefined;
  }
}

export function storeNodeId(agentStateDir: string, nodeId: string): void {
  writeFileAtomic(join(agentStateDir, FILE_NAME), `${JSON.stringify({ nodeId })}\n`);
}
