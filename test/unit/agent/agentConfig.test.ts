import { describe, expect, it } from "vitest";
import { parseAgentConfig, UsageError } from "../../../agent/agentConfig.js";

const required = [
  "--service-url",
  "ws://127.0.0.1:9/openbatch/agent",
  "--pool-id",
  "p1",
  "--join-token",
  "t",
];

describe("parseAgentConfig", () => {
  it("reads flags", () => {
    const config = parseAgentConfig(
      [...required, "--root", "rel/root", "--node-id", "n1", "--ip-address", "10.0.0.5"],
      {},
    );
    expect(config).toMatchObject({
      serviceUrls: ["ws://127.0.0.1:9/openbatch/agent"],
      poolId: "p1",
      nodeId: "n1",
      joinToken: "t",
      ipAddress: "10.0.0.5",
      debug: false,
    });
    expect(config !== "help" && config.root).toBe(`${process.cwd()}/rel/root`);
  });

  it("falls back to the environment, flags winning", () => {
    const config = parseAgentConfig(["--pool-id", "fromflag"], {
      OPENBATCH_SERVICE_URL: "wss://batch.example/openbatch/agent",
      OPENBATCH_POOL_ID: "fromenv",
      OPENBATCH_JOIN_TOKEN: "tok",
      OPENBATCH_NODE_ROOT: "/r",
      OPENBATCH_NODE_ID: "n9",
    });
    expect(config).toMatchObject({ poolId: "fromflag", joinToken: "tok", root: "/r", nodeId: "n9" });
  });

  it("reads the machine id of a cloud VM, from the flag or OPENBATCH_MACHINE_ID", () => {
    const fromFlag = parseAgentConfig([...required, "--root", "/r", "--machine-id", "openbatch-p1_3"], {});
    expect(fromFlag !== "help" && fromFlag.machineId).toBe("openbatch-p1_3");
    const fromEnv = parseAgentConfig([...required, "--root", "/r"], { OPENBATCH_MACHINE_ID: "i-0abc" });
    expect(fromEnv !== "help" && fromEnv.machineId).toBe("i-0abc");
    expect(() => parseAgentConfig([...required, "--root", "/r", "--machine-id", "a b"], {})).toThrow(
      /--machine-id 'a b' is not a cloud instance id/,
    );
  });

  it("takes several service URLs, repeated or comma-separated, in the order given", () => {
    const [a, b, c] = [9, 10, 11].map((port) => `ws://127.0.0.1:${port}/openbatch/agent`);
    const repeated = parseAgentConfig(
      [
        "--service-url",
        `${a},${b}`,
        "--service-url",
        c!,
        "--pool-id",
        "p",
        "--join-token",
        "t",
        "--root",
        "/r",
      ],
      {},
    );
    expect(repeated !== "help" && repeated.serviceUrls).toEqual([a, b, c]);
    const fromEnv = parseAgentConfig(["--pool-id", "p", "--join-token", "t", "--root", "/r"], {
      OPENBATCH_SERVICE_URL: `${b}, ${a}`,
    });
    expect(fromEnv !== "help" && fromEnv.serviceUrls).toEqual([b, a]);
    expect(() =>
      parseAgentConfig(
        ["--service-url", `${a},http://x/`, "--pool-id", "p", "--join-token", "t", "--root", "/r"],
        {},
      ),
    ).toThrow(/--service-url must be ws:\/\/ or wss:\/\/, not http:\/\//);
  });

  it("leaves the node id out when none is given (cloud VMs)", () => {
    const config = parseAgentConfig([...required, "--root", "/r"], {});
    expect(config !== "help" && config.nodeId).toBeUndefined();
  });

  it.each([
    [["--pool-id", "p", "--join-token", "t", "--root", "/r"], /missing --service-url/],
    [[...required], /missing --root/],
    [[...required, "--root", "/r", "--bogus"], /Unknown option '--bogus'/],
    [[...required, "--root", "/r", "extra"], /positional/],
    [
      ["--service-url", "http://x", "--pool-id", "p", "--join-token", "t", "--root", "/r"],
      /ws:\/\/ or wss:\/\//,
    ],
    [["--service-url", "not a url", "--pool-id", "p", "--join-token", "t", "--root", "/r"], /is not a URL/],
    [[...required, "--root", "/r", "--node-id", "bad id!"], /--node-id 'bad id!' is not a valid id/],
  ])("refuses %j", (argv, message) => {
    expect(() => parseAgentConfig(argv, {})).toThrow(UsageError);
    expect(() => parseAgentConfig(argv, {})).toThrow(message);
  });

  it("answers --help", () => {
    expect(parseAgentConfig(["--help"], {})).toBe("help");
  });
});
