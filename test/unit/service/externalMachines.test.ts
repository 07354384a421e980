import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import type { OutgoingServiceMessage } from "../../../protocol/agent.js";
import type { ExternalPoolFile } from "../../../protocol/externalPool.js";
import type { NodeLink } from "../../../service/core/context.js";
import type { NodeRecord, PoolRecord } from "../../../service/core/records.js";
import { ExternalMachines } from "../../../service/provisioners/external.js";

const pool = (id: string) => ({ id, state: "active", joinToken: `token-${id}` }) as PoolRecord;
const node = (poolId: string, id: string, state = "starting") =>
  ({ poolId, id, state, isDedicated: id.endsWith("_d") }) as NodeRecord;

const dataDirs: string[] = [];
afterAll(() => {
  for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
});

function setUp() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "openbatch-external-"));
  dataDirs.push(dataDir);
  const sent: { nodeId: string; message: OutgoingServiceMessage }[] = [];
  const nodeLink = {
    send: (_poolId: string, nodeId: string, message: OutgoingServiceMessage) => {
      sent.push({ nodeId, message });
      return true;
    },
  } as NodeLink;
  const machines = new ExternalMachines({
    dataDir,
    serviceUrl: () => "ws://127.0.0.1:1/openbatch/agent",
    nodeLink,
    log: () => {},
  });
  const file = (poolId: string) => path.join(dataDir, "external", `${poolId}.json`);
  const read = (poolId: string) => JSON.parse(fs.readFileSync(file(poolId), "utf8")) as ExternalPoolFile;
  return { dataDir, machines, sent, file, read };
}

describe("ExternalMachines", () => {
  it("lists provisioned nodes at once, in a file only its owner can read", () => {
    const { machines, read, file } = setUp();
    machines.provision(pool("p1"), [node("p1", "n1_d"), node("p1", "n2_p")]);
    expect(read("p1")).toEqual({
      serviceUrl: "ws://127.0.0.1:1/openbatch/agent",
      poolId: "p1",
      joinToken: "token-p1",
      nodes: [
        { nodeId: "n1_d", isDedicated: true },
        { nodeId: "n2_p", isDedicated: false },
      ],
    });
    expect(fs.statSync(file("p1")).mode & 0o777).toBe(0o600);
  });

  it("releases nodes with one rewrite per turn, tells their agents to shut down, and drops an empty list", async () => {
    const { machines, read, file, sent } = setUp();
    const nodes = ["n1_d", "n2_d", "n3_d"].map((id) => node("p1", id));
    machines.provision(pool("p1"), nodes);
    const renames = vi.spyOn(fs, "renameSync");
    await Promise.all(nodes.slice(0, 2).map((n) => machines.release(n)));
    expect(renames).toHaveBeenCalledTimes(1);
    renames.mockRestore();
    expect(read("p1").nodes).toEqual([{ nodeId: "n3_d", isDedicated: true }]);
    expect(sent.map((s) => [s.nodeId, s.message.type])).toEqual([
      ["n1_d", "shutdown"],
      ["n2_d", "shutdown"],
    ]);
    await machines.release(nodes[2]!);
    expect(fs.existsSync(file("p1"))).toBe(false);
  });

  it("rewrites the lists at start-up, without leaving nodes and removing lists of pools that are gone", () => {
    const { machines, read, file, dataDir } = setUp();
    fs.mkdirSync(path.join(dataDir, "external"));
    fs.writeFileSync(file("gone"), "{}");
    machines.recover(
      [pool("p1")],
      [node("p1", "n1_d", "idle"), node("p1", "n2_d", "leavingpool"), node("gone", "n1_d")],
    );
    expect(read("p1").nodes).toEqual([{ nodeId: "n1_d", isDedicated: true }]);
    expect(fs.existsSync(file("gone"))).toBe(false);
  });
});
