/** examples/azure under Pulumi mocks, with its config set as `pulumi config set` would. */
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

const MPI_TOKEN = "mpi-token-from-the-service-0001";
const CPU_TOKEN = "cpu-token-from-the-service-0002";
const ACCOUNT_KEY = "ZXhhbXBsZS1hY2NvdW50LWtleQ==";
let records: MockRecords;
let program: typeof import("../../../examples/azure/index.js");

beforeAll(async () => {
  records = await installMocks("openbatch-azure", {
    accountName: "demo",
    accountKey: ACCOUNT_KEY,
    sshPublicKey: "ssh-ed25519 AAAAEXAMPLE me@laptop",
    clientAddressPrefixes: '["198.51.100.7/32"]',
    mpiJoinToken: MPI_TOKEN,
    cpuJoinToken: CPU_TOKEN,
  });
  program = await import("../../../examples/azure/index.js");
  await settle();
});

describe("examples/azure", () => {
  it("declares the account host and one scale set per configured pool", () => {
    expect(resourcesOfType(records, "azure-native:compute:VirtualMachine")).toHaveLength(1);
    const scaleSets = resourcesOfType(records, "azure-native:compute:VirtualMachineScaleSet");
    expect(scaleSets.map((scaleSet) => scaleSet.inputs.vmScaleSetName).sort()).toEqual([
      "openbatch-cpu",
      "openbatch-mpi",
    ]);
    for (const scaleSet of scaleSets) expect(scaleSet.ignoreChanges).toEqual(["sku.capacity"]);
    const rules = Object.fromEntries(
      resourcesOfType(records, "azure-native:network:NetworkSecurityGroup").map((group) => [
        group.name,
        (group.inputs.securityRules as { name: string }[]).map((rule) => rule.name),
      ]),
    );
    expect(rules).toEqual(
      Object.fromEntries([
        ["openbatch-network-mpi-nsg", ["allow-inter-node", "deny-vnet-inbound"]],
        ["openbatch-network-cpu-nsg", ["deny-vnet-inbound"]],
        ["openbatch-host-nsg", ["allow-agents", "allow-clients", "deny-vnet-inbound"]],
      ]),
    );
  });

  it("puts the configured tokens into secret custom data only", () => {
    const mpi = resourcesOfType(records, "azure-native:compute:VirtualMachineScaleSet").find(
      (scaleSet) => scaleSet.inputs.vmScaleSetName === "openbatch-mpi",
    )!;
    const script = decodeBase64(secretAt(mpi.inputs, "virtualMachineProfile.osProfile.customData"));
    expect(script).toContain(`OPENBATCH_JOIN_TOKEN="${MPI_TOKEN}"`);
    expect(script).toContain("systemctl enable --now openbatch-agent.service");
    const plain = plainText(records);
    for (const secret of [MPI_TOKEN, CPU_TOKEN, ACCOUNT_KEY]) expect(plain).not.toContain(secret);
  });

  it("exports the endpoints and scale set names", async () => {
    expect(await outputValue(program.endpoint)).toBe("http://203.0.113.10:8765");
    expect(await outputValue(program.privateEndpoint)).toBe("http://10.20.0.10:8765");
    expect(await outputValue(program.scaleSetNames)).toEqual({ mpi: "openbatch-mpi", cpu: "openbatch-cpu" });
    expect(await outputValue(program.packageContainerUrl)).toMatch(
      /^https:\/\/obdemo[0-9a-f]{8}\.blob\.core\.windows\.net\/application-packages$/,
    );
  });
});
