/**
 * The AWS components under Pulumi mocks: resources, security-group rules, the user data (secret,
 * complete), IAM scope, tags, and ignoreChanges on the groups' desired capacity.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  decodeBase64,
  installMocks,
  type MockRecords,
  onlyResource,
  plainText,
  resourcesOfType,
  secretAt,
  settle,
} from "./pulumiMocks.js";

const TOKEN = "aws-join-token-`whoami`-'x'-0123456789";
const ACCOUNT_KEY = "c2VjcmV0LWFjY291bnQta2V5LWF3cw==";
const PLAIN_TOKEN = "aws-token-given-as-plain-text-43";
let records: MockRecords;

beforeAll(async () => {
  records = await installMocks();
  const pulumi = await import("@pulumi/pulumi");
  const aws = await import("../../../provider/aws/index.js");
  new aws.AwsBatchCluster("batch", {
    accountName: "genomics",
    accountKey: pulumi.secret(ACCOUNT_KEY),
    clientCidrBlocks: ["203.0.113.7/32"],
    tags: { team: "bio" },
    pools: [
      {
        poolId: "mpi",
        vmSize: "c7i.large",
        joinToken: pulumi.secret(TOKEN),
        enableInterNodeCommunication: true,
      },
      {
        poolId: "align",
        vmSize: "m7i.large",
        joinToken: pulumi.secret(`${TOKEN}-align`),
        initialCapacity: 3,
        maxSize: 20,
      },
    ],
  });
  // A token given as a plain string still only travels as a secret.
  new aws.AwsPoolAutoScalingGroup("standalone", {
    poolId: "standalone",
    vmSize: "t3.micro",
    joinToken: PLAIN_TOKEN,
    subnetId: "subnet-1",
    securityGroupId: "sg-1",
    accountName: "genomics",
    accountEndpoint: "http://10.9.0.4:8765",
    imageId: "ami-given",
  });
  await settle();
});

const groups = () => resourcesOfType(records, "aws:autoscaling/group:Group");
const group = (poolId: string) =>
  groups().find((resource) => resource.inputs.name === `openbatch-${poolId}`)!;
const securityGroup = (name: string) =>
  resourcesOfType(records, "aws:ec2/securityGroup:SecurityGroup").find((resource) => resource.name === name)!;
const template = (poolId: string) =>
  resourcesOfType(records, "aws:ec2/launchTemplate:LaunchTemplate").find(
    (resource) => resource.name === `batch-${poolId}-template`,
  )!;

describe("AwsBatchCluster", () => {
  it("creates the VPC, subnets, gateways, bucket, host and one launch template + group per pool", () => {
    const count = (type: string) => resourcesOfType(records, type).length;
    expect(count("aws:ec2/vpc:Vpc")).toBe(1);
    expect(count("aws:ec2/internetGateway:InternetGateway")).toBe(1);
    expect(count("aws:ec2/natGateway:NatGateway")).toBe(1);
    expect(count("aws:ec2/routeTableAssociation:RouteTableAssociation")).toBe(3);
    expect(count("aws:s3/bucket:Bucket")).toBe(1);
    expect(count("aws:ec2/instance:Instance")).toBe(1);
    expect(count("aws:ec2/launchTemplate:LaunchTemplate")).toBe(3);
    expect(
      groups()
        .map((resource) => resource.inputs.name)
        .sort(),
    ).toEqual(["openbatch-align", "openbatch-mpi", "openbatch-standalone"]);
    expect(
      resourcesOfType(records, "aws:ec2/subnet:Subnet").map((subnet) => subnet.inputs.cidrBlock),
    ).toEqual(["10.30.0.0/24", "10.30.1.0/24", "10.30.2.0/24"]);
  });

  it("opens the pool's own security group to itself only when inter-node communication is on", () => {
    expect(securityGroup("batch-network-mpi-sg").inputs.ingress).toEqual([
      expect.objectContaining({ protocol: "-1", fromPort: 0, toPort: 0, self: true }),
    ]);
    expect(securityGroup("batch-network-align-sg").inputs.ingress).toEqual([]);
    for (const name of ["batch-network-mpi-sg", "batch-network-align-sg"]) {
      const ingress = securityGroup(name).inputs.ingress as Record<string, unknown>[];
      expect(ingress.some((rule) => rule.cidrBlocks !== undefined)).toBe(false);
    }
  });

  it("lets the pools' security groups and the given clients reach the service port", () => {
    expect(securityGroup("batch-host-sg").inputs.ingress).toEqual([
      expect.objectContaining({
        protocol: "tcp",
        fromPort: 8765,
        toPort: 8765,
        securityGroups: ["batch-network-mpi-sg-id", "batch-network-align-sg-id"],
      }),
      expect.objectContaining({
        protocol: "tcp",
        fromPort: 8765,
        toPort: 8765,
        cidrBlocks: ["203.0.113.7/32"],
      }),
    ]);
    expect(onlyResource(records, "aws:ec2/instance:Instance").inputs).toMatchObject({
      privateIp: "10.30.0.10",
      associatePublicIpAddress: true,
      vpcSecurityGroupIds: ["batch-host-sg-id"],
      metadataOptions: { httpTokens: "required" },
    });
  });

  it("lets the host's role scale and trim only the prefixed groups, and use the package bucket", () => {
    const policy = JSON.parse(String(onlyResource(records, "aws:iam/rolePolicy:RolePolicy").inputs.policy));
    expect(policy.Statement).toEqual([
      {
        Sid: "ScaleOpenBatchPools",
        Effect: "Allow",
        Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
        Resource: "arn:aws:autoscaling:*:*:autoScalingGroup:*:autoScalingGroupName/openbatch-*",
      },
      {
        Sid: "DescribeGroups",
        Effect: "Allow",
        Action: ["autoscaling:DescribeAutoScalingGroups"],
        Resource: "*",
      },
      expect.objectContaining({
        Sid: "ApplicationPackages",
        Resource: ["arn:aws:s3:::batch-packages-bucket-1234", "arn:aws:s3:::batch-packages-bucket-1234/*"],
      }),
    ]);
    expect(onlyResource(records, "aws:iam/instanceProfile:InstanceProfile").inputs.role).toBe(
      "batch-host-role",
    );
  });

  it("boots each pool's machines from secret user data that installs Node and starts the agent", () => {
    const script = decodeBase64(secretAt(template("mpi").inputs, "userData"));
    expect(script).toContain("https://nodejs.org/dist/v20.19.5/");
    expect(script).toContain("BUNDLE_URL='http://10.30.0.10:8765/openbatch/agent/bundle.tar.gz'");
    expect(script).toContain('OPENBATCH_SERVICE_URL="ws://10.30.0.10:8765/openbatch/agent"');
    expect(script).toContain("latest/meta-data/instance-id");
    expect(script).toContain("Restart=always");
    expect(script).toContain('OPENBATCH_JOIN_TOKEN="aws-join-token-\\`whoami\\`-');
    expect(template("mpi").inputs).toMatchObject({
      instanceType: "c7i.large",
      imageId: "ami-0123456789abcdef0",
      vpcSecurityGroupIds: ["batch-network-mpi-sg-id"],
      metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
    });
  });

  it("keeps the join tokens and the account key out of everything stored in plain text", () => {
    const plain = plainText(records);
    for (const secret of [TOKEN, ACCOUNT_KEY, PLAIN_TOKEN]) expect(plain).not.toContain(secret);
    const standalone = resourcesOfType(records, "aws:ec2/launchTemplate:LaunchTemplate").find(
      (resource) => resource.name === "standalone-template",
    )!;
    expect(decodeBase64(secretAt(standalone.inputs, "userData"))).toContain(
      `OPENBATCH_JOIN_TOKEN="${PLAIN_TOKEN}"`,
    );
    expect(standalone.inputs.imageId).toBe("ami-given");
    const host = onlyResource(records, "aws:ec2/instance:Instance");
    const hostScript = decodeBase64(secretAt(host.inputs, "userDataBase64"));
    expect(hostScript).toContain(`OPENBATCH_ACCOUNT_KEY="${ACCOUNT_KEY}"`);
    expect(hostScript).toContain('OPENBATCH_AWS_REGION="eu-west-1"');
    expect(hostScript).toContain(`--provisioner aws --aws-region \${OPENBATCH_AWS_REGION}`);
  });

  it("creates groups at their initial capacity (min 0) and leaves capacity to the service afterwards", () => {
    expect(group("mpi").inputs).toMatchObject({ minSize: 0, maxSize: 100, desiredCapacity: 0 });
    expect(group("align").inputs).toMatchObject({ minSize: 0, maxSize: 20, desiredCapacity: 3 });
    for (const resource of groups()) expect(resource.ignoreChanges).toEqual(["desiredCapacity"]);
    expect(group("mpi").inputs.launchTemplate).toEqual({ id: "batch-mpi-template-id", version: "$Latest" });
    expect(group("mpi").inputs.vpcZoneIdentifiers).toEqual(["batch-network-mpi-id"]);
  });

  it("tags resources with the account and team, and propagates the pool's tags to its instances", () => {
    expect(group("align").inputs.tags).toEqual(
      expect.arrayContaining([
        { key: "openbatch:account", value: "genomics", propagateAtLaunch: true },
        { key: "openbatch:pool", value: "align", propagateAtLaunch: true },
        { key: "team", value: "bio", propagateAtLaunch: true },
      ]),
    );
    const tagged = records.resources.filter(
      (resource) =>
        resource.custom &&
        resource.name.startsWith("batch-") &&
        resource.inputs.tags &&
        !Array.isArray(resource.inputs.tags),
    );
    expect(tagged.length).toBeGreaterThan(10);
    for (const resource of tagged)
      expect(resource.inputs.tags).toMatchObject({ "openbatch:account": "genomics", team: "bio" });
  });

  it("blocks public access to the package bucket and encrypts it", () => {
    expect(
      onlyResource(records, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs,
    ).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const encryption = onlyResource(
      records,
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    );
    expect(encryption.inputs.rules).toEqual([
      { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
    ]);
  });

  it("reports its endpoints and group names", () => {
    expect(records.componentOutputs.get("batch")).toMatchObject({
      privateEndpoint: "http://10.30.0.10:8765",
      publicEndpoint: "http://198.51.100.20:8765",
      groupNames: { mpi: "openbatch-mpi", align: "openbatch-align" },
    });
  });
});
