/**
 * The account's AWS network: a VPC, a public subnet for the account host (internet gateway) and one
 * private subnet per pool (outbound through a NAT gateway: Node, the bundle, AWS's APIs), and one
 * security group per pool.
 *
 * A pool's security group allows no inbound traffic, except, with `enableInterNodeCommunication`,
 * every protocol and port from members of that same group (a self-referencing rule), and nothing
 * wider. Agents only dial out to the service.
 */
import * as ec2 from "@pulumi/aws/ec2/index.js";
import * as pulumi from "@pulumi/pulumi";
import { cidrSubnet } from "../cidr.js";

export interface AwsBatchNetworkPool {
  poolId: string;
  enableInterNodeCommunication?: boolean;
  /** The pool subnet; default: the (n+2)-th /24 of the VPC for the n-th pool. */
  subnetCidr?: string;
}

export interface AwsBatchNetworkArgs {
  /** Default `10.30.0.0/16`. */
  vpcCidr?: string;
  /** The account host's (public) subnet. Default: the first /24 of the VPC. */
  serviceSubnetCidr?: string;
  /** One private subnet and security group each (the NAT gateway sits in the service subnet). */
  pools: AwsBatchNetworkPool[];
  tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export interface AwsPoolSubnet {
  subnetId: pulumi.Output<string>;
  cidrBlock: string;
  securityGroupId: pulumi.Output<string>;
}

const EVERYWHERE = "0.0.0.0/0";

export class AwsBatchNetwork extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly serviceSubnetId: pulumi.Output<string>;
  readonly serviceSubnetCidr: string;
  readonly poolSubnets: Record<string, AwsPoolSubnet>;

  constructor(name: string, args: AwsBatchNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openbatch:aws:Network", name, {}, opts);
    const parent = { parent: this };
    const vpcCidr = args.vpcCidr ?? "10.30.0.0/16";
    const named = (suffix: string) =>
      pulumi.output(args.tags).apply((tags) => ({ ...tags, Name: `${name}-${suffix}` }));

    const vpc = new ec2.Vpc(
      `${name}-vpc`,
      { cidrBlock: vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: named("vpc") },
      parent,
    );
    this.vpcId = vpc.id;
    const gateway = new ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: named("igw") }, parent);

    this.serviceSubnetCidr = args.serviceSubnetCidr ?? cidrSubnet(vpcCidr, 24, 0);
    const serviceSubnet = new ec2.Subnet(
      `${name}-service`,
      { vpcId: vpc.id, cidrBlock: this.serviceSubnetCidr, tags: named("service") },
      parent,
    );
    this.serviceSubnetId = serviceSubnet.id;
    const publicRoutes = new ec2.RouteTable(
      `${name}-public`,
      { vpcId: vpc.id, routes: [{ cidrBlock: EVERYWHERE, gatewayId: gateway.id }], tags: named("public") },
      parent,
    );
    new ec2.RouteTableAssociation(
      `${name}-service-routes`,
      { subnetId: serviceSubnet.id, routeTableId: publicRoutes.id },
      parent,
    );

    const natIp = new ec2.Eip(`${name}-nat-ip`, { domain: "vpc", tags: named("nat") }, parent);
    const nat = new ec2.NatGateway(
      `${name}-nat`,
      { subnetId: serviceSubnet.id, allocationId: natIp.id, tags: named("nat") },
      { parent: this, dependsOn: [gateway] },
    );
    const privateRoutes = new ec2.RouteTable(
      `${name}-private`,
      { vpcId: vpc.id, routes: [{ cidrBlock: EVERYWHERE, natGatewayId: nat.id }], tags: named("private") },
      parent,
    );

    this.poolSubnets = {};
    args.pools.forEach((pool, index) => {
      const cidrBlock = pool.subnetCidr ?? cidrSubnet(vpcCidr, 24, index + 1);
      const subnet = new ec2.Subnet(
        `${name}-${pool.poolId}`,
        { vpcId: vpc.id, cidrBlock, tags: named(`pool-${pool.poolId}`) },
        parent,
      );
      new ec2.RouteTableAssociation(
        `${name}-${pool.poolId}-routes`,
        { subnetId: subnet.id, routeTableId: privateRoutes.id },
        parent,
      );
      const securityGroup = new ec2.SecurityGroup(
        `${name}-${pool.poolId}-sg`,
        {
          vpcId: vpc.id,
          description: `OpenBatch pool ${pool.poolId}: outbound only${pool.enableInterNodeCommunication ? ", all traffic between its own machines" : ""}`,
          ingress: poolIngressRules(pool),
          egress: [
            {
              description: "Agents dial out",
              protocol: "-1",
              fromPort: 0,
              toPort: 0,
              cidrBlocks: [EVERYWHERE],
            },
          ],
          tags: named(`pool-${pool.poolId}`),
        },
        parent,
      );
      this.poolSubnets[pool.poolId] = { subnetId: subnet.id, cidrBlock, securityGroupId: securityGroup.id };
    });

    this.registerOutputs({ vpcId: this.vpcId, serviceSubnetId: this.serviceSubnetId });
  }
}

/** A pool security group's inbound rules: none, or every port from the same group. */
export function poolIngressRules(pool: AwsBatchNetworkPool): ec2.SecurityGroupArgs["ingress"] {
  if (!pool.enableInterNodeCommunication) return [];
  return [
    {
      description: `All traffic between the machines of pool ${pool.poolId} (enableInterNodeCommunication)`,
      protocol: "-1",
      fromPort: 0,
      toPort: 0,
      self: true,
    },
  ];
}
