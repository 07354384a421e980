import { describe, expect, it } from "vitest";
import { freeLoopbackPorts } from "../../../scripts/bench/freePorts.js";
import {
  CPUS_PER_NODE,
  MAX_ARRAY_SIZE,
  MAX_JOB_COUNT,
  NODE_NAMES,
  slurmConf,
  slurmLayout,
  TUNED_SCHEDULER_PARAMETERS,
} from "../../../scripts/bench/slurmConfig.js";

const workDir = "/tmp/openbatch-slurm-test";
const layout = slurmLayout(workDir);
const ports = { slurmctld: 40100, slurmd: [40101, 40102, 40103, 40104] };
const conf = (mode: "default" | "tuned") => slurmConf({ mode, layout, ports }).split("\n");

describe("slurm.conf of the bench's Slurm peer", () => {
  it("declares 4 nodes of 4 CPUs on loopback, each with its own port", () => {
    const nodes = conf("default").filter((line) => line.startsWith("NodeName="));
    expect(NODE_NAMES).toEqual(["n1", "n2", "n3", "n4"]);
    expect(nodes).toEqual(
      NODE_NAMES.map(
        (node, index) =>
          `NodeName=${node} NodeHostname=localhost NodeAddr=127.0.0.1 Port=${ports.slurmd[index]} ` +
          `CPUs=${CPUS_PER_NODE} State=UNKNOWN`,
      ),
    );
    expect(conf("default")).toContain("SlurmctldPort=40100");
    expect(conf("default")).toContain("SlurmctldHost=localhost(127.0.0.1)");
    expect(conf("default")).toContain(
      "PartitionName=bench Nodes=n1,n2,n3,n4 Default=YES MaxTime=INFINITE State=UP",
    );
  });

  it("sets SchedulerParameters only in tuned mode", () => {
    expect(conf("tuned")).toContain(`SchedulerParameters=${TUNED_SCHEDULER_PARAMETERS}`);
    expect(TUNED_SCHEDULER_PARAMETERS).toBe("sched_interval=1,bf_interval=1");
    expect(conf("default").filter((line) => line.startsWith("SchedulerParameters"))).toEqual([]);
    const withoutScheduler = (lines: string[]) =>
      lines.filter((line) => !line.startsWith("SchedulerParameters"));
    expect(withoutScheduler(conf("tuned"))).toEqual(conf("default"));
  });

  it("admits an array of 100,000 jobs", () => {
    expect(conf("default")).toContain(`MaxArraySize=${MAX_ARRAY_SIZE}`);
    expect(conf("default")).toContain(`MaxJobCount=${MAX_JOB_COUNT}`);
    expect(MAX_ARRAY_SIZE).toBeGreaterThan(100_000); // exclusive: the largest index is MaxArraySize - 1
    expect(MAX_JOB_COUNT).toBeGreaterThanOrEqual(100_000);
  });

  it("uses our own munged and keeps every file in the work directory", () => {
    expect(conf("default")).toContain(`AuthInfo=socket=${workDir}/munge.socket`);
    const paths = conf("default")
      .filter((line) => !line.startsWith("#"))
      .flatMap((line) => [...line.matchAll(/=(\/[^\s,]+)/g)].map((match) => match[1]!));
    expect(paths.length).toBeGreaterThan(5);
    for (const path of paths) expect(path.startsWith(`${workDir}/`)).toBe(true);
  });

  it("refuses a port list that does not match the nodes", () => {
    expect(() => slurmConf({ mode: "default", layout, ports: { slurmctld: 1, slurmd: [2, 3] } })).toThrow(
      /4 slurmd ports/,
    );
  });
});

describe("freeLoopbackPorts", () => {
  it("returns distinct ports", async () => {
    const found = await freeLoopbackPorts(5);
    expect(new Set(found).size).toBe(5);
    for (const port of found) expect(port).toBeGreaterThan(0);
  });
});
