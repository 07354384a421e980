/** examples/aws under Pulumi mocks, with its config set as `pulumi config set` would. */
import { beforeAll, describe, expect, it } from "vitest";
import {
  decodeBase64,
  installMocks,
  type MockRecords,
  outputValue,
  plainText,
  resourcesOfType,
  secretAt,
  settle,
} from "./pulumiMocks.js";

const MPI_TOKEN = "mpi-token-from-the-service-0003";
const ACCOUNT_KEY = "ZXhhbXBsZS1hd3Mta2V5";
let records: MockRecords;
let program: typeof import("../../../examples/aws/index.js");

beforeAll(async () => {
  // Only the mpi pool's token is set: the cpu pool is not declared yet.
  records = await installMocks("openbatch-aws", {
    accountName: "demo",
    accountKey: ACCOUNT_KEY,
    mpiJoinToken: MPI_TOKEN,
  });
  program = await import("../../../examples/aws/index.js");
  await settle();
});

describe("examples/aws", () => {
  it("declares the host and a launch template + group only for the pools with a token", () => {
    expect(resourcesOfType(records, "aws:ec2/instance:Instance")).toHaveLength(1);
    const groups = resourcesOfType(records, "aws:autoscaling/group:Group");
    expect(groups.map((group) => [group.inputs.name, group.inputs.maxSize, group.ignoreChanges])).toEqual([
      ["openbatch-mpi", 16, ["desiredCapacity"]],
    ]);
    const poolGroup = resourcesOfType(records, "aws:ec2/securityGroup:SecurityGroup").find(
      (group) => group.name === "openbatch-network-mpi-sg",
    )!;
    expect(poolGroup.inputs.ingress).toEqual([expect.objectContaining({ self: true, protocol: "-1" })]);
  });

  it("puts the token into secret user data only, and no public address without client CIDRs", () => {
    const template = resourcesOfType(records, "aws:ec2/launchTemplate:LaunchTemplate")[0]!;
    expect(decodeBase64(secretAt(template.inputs, "userData"))).toContain(
      `OPENBATCH_JOIN_TOKEN="${MPI_TOKEN}"`,
    );
    const plain = plainText(records);
    for (const secret of [MPI_TOKEN, ACCOUNT_KEY]) expect(plain).not.toContain(secret);
    expect(resourcesOfType(records, "aws:ec2/instance:Instance")[0]!.inputs.associatePublicIpAddress).toBe(
      false,
    );
  });

  it("exports the endpoints and group names", async () => {
    expect(await outputValue(program.privateEndpoint)).toBe("http://10.30.0.10:8765");
    expect(await outputValue(program.endpoint)).toBeUndefined();
    expect(await outputValue(program.groupNames)).toEqual({ mpi: "openbatch-mpi" });
  });
});
