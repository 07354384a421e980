/**
 * The Azure components under Pulumi mocks: resources, NSG rules, the boot script (secret, complete),
 * tags, and ignoreChanges on the scale sets' capacity.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  decodeBase64,
  installMocks,
  type MockRecords,
  onlyResource,
  plainText,
  resourcesOfType,
  SUBSCRIPTION_ID,
  secretAt,
  settle,
} from "./pulumiMocks.js";

const TOKEN = "join-token-$(reboot)-'\"`-0123456789";
const ACCOUNT_KEY = "YWNjb3VudC1rZXktb2YtdGVzdHM=";
const PLAIN_TOKEN = "token-given-as-plain-text-42";
let records: MockRecords;

beforeAll(async () => {
  records = await installMocks();
  const pulumi = await import("@pulumi/pulumi");
  const azure = await import("../../../provider/azure/index.js");
  new azure.AzureBatchCluster("batch", {
    location: "westeurope",
    accountName: "research",
    accountKey: pulumi.secret(ACCOUNT_KEY),
    adminSshPublicKey: "ssh-ed25519 AAAATEST user@example",
    clientAddressPrefixes: ["203.0.113.7/32"],
    tags: { team: "physics" },
    pools: [
      {
        poolId: "mpi",
        vmSize: "Standard_HB120rs_v3",
        joinToken: pulumi.secret(TOKEN),
        enableInterNodeCommunication: true,
      },
      {
        poolId: "render",
        vmSize: "Standard_D4s_v5",
        joinToken: pulumi.secret(`${TOKEN}-render`),
        initialCapacity: 2,
      },
    ],
  });
  // An existing resource group is adopted, not created.
  new azure.AzureBatchNetwork("adopted", {
    location: "westeurope",
    resourceGroupName: "existing-rg",
    pools: [{ poolId: "solo" }],
    tags: {},
  });
  // A token given as a plain string still only travels as a secret.
  new azure.AzurePoolScaleSet("standalone", {
    poolId: "standalone",
    vmSize: "Standard_D2s_v5",
    joinToken: PLAIN_TOKEN,
    resourceGroupName: "existing-rg",
    location: "westeurope",
    subnetId: "subnet-id",
    accountName: "research",
    accountEndpoint: "https://batch.example.test:8443",
    adminSshPublicKey: "ssh-ed25519 AAAATEST user@example",
  });
  await settle();
});

const scaleSets = () => resourcesOfType(records, "azure-native:compute:VirtualMachineScaleSet");
const scaleSet = (poolId: string) =>
  scaleSets().find((resource) => resource.inputs.vmScaleSetName === `openbatch-${poolId}`)!;
const securityGroup = (name: string) =>
  resourcesOfType(records, "azure-native:network:NetworkSecurityGroup").find(
    (resource) => resource.name === name,
  )!;

describe("AzureBatchCluster", () => {
  it("creates the resource group, network, NAT, storage, host and one scale set per pool", () => {
    const types = records.resources.filter((resource) => resource.custom).map((resource) => resource.type);
    const count = (type: string) => types.filter((each) => each === type).length;
    expect(count("azure-native:resources:ResourceGroup")).toBe(1);
    expect(count("azure-native:network:VirtualNetwork")).toBe(2);
    expect(count("azure-native:network:NatGateway")).toBe(2);
    expect(count("azure-native:storage:StorageAccount")).toBe(1);
    expect(count("azure-native:storage:BlobContainer")).toBe(1);
    expect(count("azure-native:compute:VirtualMachine")).toBe(1);
    expect(count("azure-native:authorization:RoleAssignment")).toBe(2);
    expect(
      scaleSets()
        .map((resource) => resource.inputs.vmScaleSetName)
        .sort(),
    ).toEqual(["openbatch-mpi", "openbatch-render", "openbatch-standalone"]);
    const subnets = resourcesOfType(records, "azure-native:network:Subnet").filter((subnet) =>
      subnet.name.startsWith("batch-"),
    );
    expect(subnets.map((subnet) => [subnet.inputs.subnetName, subnet.inputs.addressPrefix])).toEqual([
      ["service", "10.20.0.0/24"],
      ["pool-mpi", "10.20.1.0/24"],
      ["pool-render", "10.20.2.0/24"],
    ]);
  });

  it("adopts an existing resource group instead of creating one", () => {
    expect(records.invokes.map((invoke) => [invoke.token, invoke.inputs.resourceGroupName])).toContainEqual([
      "azure-native:resources:getResourceGroup",
      "existing-rg",
    ]);
    const adoptedVnet = resourcesOfType(records, "azure-native:network:VirtualNetwork").find(
      (vnet) => vnet.name === "adopted-vnet",
    )!;
    expect(adoptedVnet.inputs.resourceGroupName).toBe("existing-rg");
  });

  it("allows inter-node traffic only inside the pool's own subnet, and only when asked", () => {
    const mpiRules = securityGroup("batch-network-mpi-nsg").inputs.securityRules as Record<string, unknown>[];
    expect(mpiRules).toContainEqual(
      expect.objectContaining({
        name: "allow-inter-node",
        access: "Allow",
        direction: "Inbound",
        sourceAddressPrefix: "10.20.1.0/24",
        destinationAddressPrefix: "10.20.1.0/24",
        destinationPortRange: "*",
      }),
    );
    const renderRules = securityGroup("batch-network-render-nsg").inputs.securityRules as Record<
      string,
      unknown
    >[];
    expect(renderRules.map((rule) => [rule.name, rule.access])).toEqual([["deny-vnet-inbound", "Deny"]]);
    for (const rules of [mpiRules, renderRules]) {
      expect(
        rules
          .filter((rule) => rule.access === "Allow")
          .every((rule) => rule.sourceAddressPrefix !== "VirtualNetwork"),
      ).toBe(true);
    }
    const poolSubnet = resourcesOfType(records, "azure-native:network:Subnet").find(
      (subnet) => subnet.inputs.subnetName === "pool-mpi",
    )!;
    expect(poolSubnet.inputs.networkSecurityGroup).toEqual({ id: "batch-network-mpi-nsg-id" });
  });

  it("lets only the pools' subnets and the given clients reach the service port", () => {
    const rules = securityGroup("batch-host-nsg").inputs.securityRules as Record<string, unknown>[];
    expect(rules.filter((rule) => rule.access === "Allow")).toEqual([
      expect.objectContaining({
        name: "allow-agents",
        protocol: "Tcp",
        destinationPortRange: "8765",
        sourceAddressPrefixes: ["10.20.1.0/24", "10.20.2.0/24"],
      }),
      expect.objectContaining({
        name: "allow-clients",
        protocol: "Tcp",
        destinationPortRange: "8765",
        sourceAddressPrefixes: ["203.0.113.7/32"],
      }),
    ]);
    const nic = onlyResource(records, "azure-native:network:NetworkInterface");
    const ipConfiguration = (nic.inputs.ipConfigurations as Record<string, unknown>[])[0]!;
    expect(ipConfiguration).toMatchObject({
      privateIPAllocationMethod: "Static",
      privateIPAddress: "10.20.0.10",
    });
    expect(ipConfiguration.publicIPAddress).toEqual({ id: "batch-host-ip-id" });
  });

  it("gives the host's identity Virtual Machine Contributor on the resource group and blob access on the storage only", () => {
    const assignments = resourcesOfType(records, "azure-native:authorization:RoleAssignment").map(
      (assignment) => assignment.inputs,
    );
    const group = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/batch-network-rg`;
    expect(assignments).toContainEqual(
      expect.objectContaining({
        principalId: "principal-of-batch-host-vm",
        principalType: "ServicePrincipal",
        roleDefinitionId: `/subscriptions/${SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/9980e02c-c2be-4d73-94e8-173b1dc7cf3c`,
        scope: group,
      }),
    );
    expect(assignments).toContainEqual(
      expect.objectContaining({
        roleDefinitionId: expect.stringMatching(/ba92f5b4-2d11-453d-a403-e96b0029c9fe$/),
        scope: "batch-packages-account-id",
      }),
    );
    expect(onlyResource(records, "azure-native:compute:VirtualMachine").inputs.identity).toEqual({
      type: "SystemAssigned",
    });
  });

  it("boots each pool's machines from a secret custom data that installs Node and starts the agent", () => {
    const script = decodeBase64(
      secretAt(scaleSet("mpi").inputs, "virtualMachineProfile.osProfile.customData"),
    );
    expect(script).toMatch(/^#!\/bin\/bash\n/);
    expect(script).toContain("https://nodejs.org/dist/v20.19.5/node-v20.19.5-linux-$NODE_ARCH.tar.xz");
    expect(script).toContain("sha256sum --check");
    expect(script).toContain("BUNDLE_URL='http://10.20.0.10:8765/openbatch/agent/bundle.tar.gz'");
    expect(script).toContain(`OPENBATCH_SERVICE_URL="ws://10.20.0.10:8765/openbatch/agent"`);
    expect(script).toContain('OPENBATCH_POOL_ID="mpi"');
    expect(script).toContain("metadata/instance/compute/name?api-version=2021-02-01&format=text");
    expect(script).toContain(`--pool-id \${OPENBATCH_POOL_ID} --machine-id \${OPENBATCH_MACHINE_ID}`);
    expect(script).toContain("Restart=always");
    expect(script).toContain("systemctl enable --now openbatch-agent.service");
    expect(script).toContain("(umask 077 && printf");
    expect(script).not.toContain("--join-token");
    // The token is in the env file, escaped for systemd's double quotes.
    expect(script).toContain('OPENBATCH_JOIN_TOKEN="join-token-\\$(reboot)-');
  });

  it("keeps the join tokens and the account key out of everything stored in plain text", () => {
    const plain = plainText(records);
    for (const secret of [
      TOKEN,
      ACCOUNT_KEY,
      PLAIN_TOKEN,
      Buffer.from(TOKEN).toString("base64").slice(0, 16),
    ]) {
      expect(plain).not.toContain(secret);
    }
    expect(plain).toContain("openbatch-mpi");
    const standalone = decodeBase64(
      secretAt(scaleSet("standalone").inputs, "virtualMachineProfile.osProfile.customData"),
    );
    expect(standalone).toContain(`OPENBATCH_JOIN_TOKEN="${PLAIN_TOKEN}"`);
    expect(standalone).toContain(`OPENBATCH_SERVICE_URL="wss://batch.example.test:8443/openbatch/agent"`);
    const host = onlyResource(records, "azure-native:compute:VirtualMachine");
    const hostScript = decodeBase64(secretAt(host.inputs, "osProfile.customData"));
    expect(hostScript).toContain(`OPENBATCH_ACCOUNT_KEY="${ACCOUNT_KEY}"`);
    expect(hostScript).toContain("npm install --global --no-audit --no-fund 'openbatch@");
    expect(hostScript).toContain(
      `--provisioner azure --azure-subscription-id \${OPENBATCH_AZURE_SUBSCRIPTION_ID} --azure-resource-group \${OPENBATCH_AZURE_RESOURCE_GROUP} --scale-set-prefix \${OPENBATCH_GROUP_PREFIX}`,
    );
    expect(hostScript).toContain(`OPENBATCH_AZURE_SUBSCRIPTION_ID="${SUBSCRIPTION_ID}"`);
    expect(hostScript).toContain('OPENBATCH_AZURE_RESOURCE_GROUP="batch-network-rg"');
  });

  it("creates scale sets at their initial capacity and leaves capacity to the service afterwards", () => {
    expect(scaleSet("mpi").inputs.sku).toEqual({
      name: "Standard_HB120rs_v3",
      tier: "Standard",
      capacity: 0,
    });
    expect((scaleSet("render").inputs.sku as { capacity: number }).capacity).toBe(2);
    for (const resource of scaleSets()) expect(resource.ignoreChanges).toEqual(["sku.capacity"]);
    expect(scaleSet("mpi").inputs.overprovision).toBe(false);
  });

  it("tags every taggable resource with the account, and pool resources with their pool", () => {
    const tagged = records.resources.filter(
      (resource) => resource.custom && resource.name.startsWith("batch-") && "tags" in resource.inputs,
    );
    expect(tagged.length).toBeGreaterThan(8);
    for (const resource of tagged) {
      expect(resource.inputs.tags).toMatchObject({ "openbatch:account": "research", team: "physics" });
    }
    expect(scaleSet("render").inputs.tags).toMatchObject({ "openbatch:pool": "render" });
  });

  it("keeps the package container private", () => {
    expect(onlyResource(records, "azure-native:storage:StorageAccount").inputs).toMatchObject({
      allowBlobPublicAccess: false,
      enableHttpsTrafficOnly: true,
      minimumTlsVersion: "TLS1_2",
      accountName: expect.stringMatching(/^obresearch[0-9a-f]{8}$/),
    });
    expect(onlyResource(records, "azure-native:storage:BlobContainer").inputs.publicAccess).toBe("None");
  });

  it("reports its endpoints as outputs", () => {
    expect(records.componentOutputs.get("batch")).toMatchObject({
      privateEndpoint: "http://10.20.0.10:8765",
      publicEndpoint: "http://203.0.113.10:8765",
      scaleSetNames: { mpi: "openbatch-mpi", render: "openbatch-render" },
    });
  });
});
