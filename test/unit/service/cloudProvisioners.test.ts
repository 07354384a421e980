/**
 * The Azure and AWS provisioners against fake SDK clients that record every call: one capacity call
 * for many new nodes, the exact instance removed for a leaving node, the capacity lowered for a node
 * whose machine never registered, throttling retried, a permanent error reported once, and the
 * capacities reconciled at start-up. The clock never sleeps.
 */
import { describe, expect, it } from "vitest";
import type { NodeRecord, PoolRecord } from "../../../service/core/records.js";
import type { AwsAutoScaling } from "../../../service/provisioners/aws.js";
import type { AzureCompute } from "../../../service/provisioners/azure.js";
import { cloudMachines } from "../../../service/provisioners/cloudMachines.js";
import type { RetryClock } from "../../../service/provisioners/retry.js";

type Call = [method: string, ...args: unknown[]];

/** A fake cloud: capacities by group, calls recorded, and errors to throw from the next calls. */
class FakeCloud {
  readonly calls: Call[] = [];
  readonly capacity = new Map<string, number>();
  readonly instances = new Map<string, string[]>();
  private readonly failures: unknown[] = [];

  failNext(...errors: unknown[]): void {
    this.failures.push(...errors);
  }

  record(...call: Call): void {
    this.calls.push(call);
    const failure = this.failures.shift();
    if (failure) throw failure;
  }

  /** The calls that change something (reads left out). */
  changes(): Call[] {
    return this.calls.filter(([method]) => !/^(get|describe)/.test(method));
  }
}

function fakeAzure(cloud: FakeCloud): AzureCompute {
  return {
    virtualMachineScaleSets: {
      get: async (resourceGroup, name) => {
        cloud.record("get", resourceGroup, name);
        return {
          sku: { name: "Standard_D2s_v3", tier: "Standard", capacity: cloud.capacity.get(name) ?? 0 },
        };
      },
      beginUpdateAndWait: async (resourceGroup, name, parameters) => {
        cloud.record("beginUpdateAndWait", resourceGroup, name, parameters);
        cloud.capacity.set(name, parameters.sku.capacity);
      },
      beginDeleteInstancesAndWait: async (resourceGroup, name, ids) => {
        cloud.record("beginDeleteInstancesAndWait", resourceGroup, name, ids);
        cloud.capacity.set(name, (cloud.capacity.get(name) ?? 0) - ids.instanceIds.length);
      },
      beginRestartAndWait: async (resourceGroup, name, options) => {
        cloud.record("beginRestartAndWait", resourceGroup, name, options);
      },
    },
  };
}

function fakeAws(cloud: FakeCloud): AwsAutoScaling {
  return {
    describeAutoScalingGroups: async (input) => {
      cloud.record("describeAutoScalingGroups", input);
      const name = input.AutoScalingGroupNames[0]!;
      return {
        AutoScalingGroups: [
          {
            DesiredCapacity: cloud.capacity.get(name) ?? 0,
            MaxSize: 10,
            Instances: (cloud.instances.get(name) ?? []).map((InstanceId) => ({ InstanceId })),
          },
        ],
      };
    },
    setDesiredCapacity: async (input) => {
      cloud.record("setDesiredCapacity", input);
      cloud.capacity.set(input.AutoScalingGroupName, input.DesiredCapacity);
    },
    terminateInstanceInAutoScalingGroup: async (input) => {
      cloud.record("terminateInstanceInAutoScalingGroup", input);
    },
  };
}

const instantClock: RetryClock = { sleep: async () => {}, random: () => 0.5 };

/** What differs between the clouds: the client, a machine id of the pool's group, and the calls expected. */
const clouds = [
  {
    name: "Azure",
    machineId: (n: number) => `openbatch-p1_${n}`,
    capacityCall: (capacity: number): Call => [
      "beginUpdateAndWait",
      "rg",
      "openbatch-p1",
      { sku: { name: "Standard_D2s_v3", tier: "Standard", capacity } },
    ],
    removeCall: (n: number): Call => [
      "beginDeleteInstancesAndWait",
      "rg",
      "openbatch-p1",
      { instanceIds: [String(n)] },
    ],
    throttling: () =>
      Object.assign(new Error("Too many requests"), { statusCode: 429, code: "TooManyRequests" }),
    permanent: () =>
      Object.assign(new Error("The client does not have authorization"), {
        statusCode: 403,
        code: "AuthorizationFailed",
      }),
    permanentAdvice: /Virtual Machine Contributor role on resource group rg/,
    options: (cloud: FakeCloud) => ({
      provisioner: "azure" as const,
      azure: { subscriptionId: "sub", resourceGroup: "rg", compute: fakeAzure(cloud) },
    }),
  },
  {
    name: "AWS",
    machineId: (n: number) => `i-000${n}`,
    capacityCall: (capacity: number): Call => [
      "setDesiredCapacity",
      { AutoScalingGroupName: "openbatch-p1", DesiredCapacity: capacity, HonorCooldown: false },
    ],
    removeCall: (n: number): Call => [
      "terminateInstanceInAutoScalingGroup",
      { InstanceId: `i-000${n}`, ShouldDecrementDesiredCapacity: true },
    ],
    throttling: () =>
      Object.assign(new Error("Rate exceeded"), { name: "Throttling", $metadata: { httpStatusCode: 400 } }),
    permanent: () =>
      Object.assign(new Error("not authorized"), {
        name: "AccessDenied",
        $metadata: { httpStatusCode: 403 },
      }),
    permanentAdvice: /autoscaling:SetDesiredCapacity/,
    options: (cloud: FakeCloud) => ({
      provisioner: "aws" as const,
      aws: { region: "eu-west-1", autoScaling: fakeAws(cloud) },
    }),
  },
];

const pool = { id: "p1", state: "active" } as PoolRecord;

function node(id: number, state: NodeRecord["state"], machineId?: string): NodeRecord {
  return { poolId: "p1", id: `n${id}`, state, machine: { rootDirectory: "", machineId } } as NodeRecord;
}

describe.each(clouds)("the $name provisioner", (c) => {
  async function setUp() {
    const cloud = new FakeCloud();
    const nodes: NodeRecord[] = [];
    const resizeErrors: { poolId: string; code: string; message: string }[] = [];
    const log: string[] = [];
    const machines = await cloudMachines(c.options(cloud), {
      nodesOf: (poolId) => nodes.filter((n) => n.poolId === poolId),
      reportResizeError: (poolId, error) => resizeErrors.push({ poolId, ...error }),
      log: (line) => log.push(line),
      clock: instantClock,
      retryPolicy: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 100 },
    });
    cloud.instances.set("openbatch-p1", [1, 2, 3].map(c.machineId));
    /** Like PoolCommands: nodes are provisioned, then stored in the same turn. */
    const grow = (count: number) => {
      const added = Array.from({ length: count }, (_, i) => node(nodes.length + i + 1, "creating"));
      machines.provision(pool); // the capacity is counted from nodesOf, when the call runs
      for (const n of added) {
        n.state = "starting";
        nodes.push(n);
      }
      return added;
    };
    /** Waits until the provisioner's queued calls for the pool have run. */
    const settled = () => machines.release({ poolId: "p1", state: "leavingpool", machine: {} } as NodeRecord);
    return { cloud, nodes, machines, resizeErrors, log, grow, settled };
  }

  it("raises the capacity once for many nodes created in one turn", async () => {
    const { cloud, grow, settled } = await setUp();
    grow(3);
    grow(2);
    await settled();
    // One read of the group and one change: not one pair per provision.
    expect(cloud.calls).toHaveLength(2);
    expect(cloud.changes()).toEqual([c.capacityCall(5)]);
  });

  it("removes the exact instance of a leaving node, after the capacity call queued before it", async () => {
    const { cloud, nodes, machines, grow } = await setUp();
    const [, second] = grow(3);
    second!.machine.machineId = c.machineId(2);
    second!.state = "leavingpool";
    await machines.release(second!);
    // The capacity counted the leaving node's instance, whose own removal then lowered it by one.
    expect(cloud.changes()).toEqual([c.capacityCall(3), c.removeCall(2)]);
    expect(nodes).toHaveLength(3);
  });

  it("lowers the capacity for a node whose machine never registered", async () => {
    const { cloud, grow, machines } = await setUp();
    const [first] = grow(2);
    await machines.release(node(99, "leavingpool")); // let the first capacity call run
    first!.state = "leavingpool";
    await machines.release(first!);
    expect(cloud.changes()).toEqual([c.capacityCall(2), c.capacityCall(1)]);
  });

  it("retries throttling, then succeeds", async () => {
    const { cloud, grow, settled, resizeErrors, log } = await setUp();
    cloud.failNext(c.throttling(), c.throttling());
    grow(2);
    await settled();
    expect(cloud.capacity.get("openbatch-p1")).toBe(2);
    expect(resizeErrors).toEqual([]);
    expect(log.filter((line) => line.includes("retrying"))).toHaveLength(2);
  });

  it("reports a permanent error once, with what to fix, without retrying it", async () => {
    const { cloud, grow, settled, resizeErrors, log } = await setUp();
    cloud.failNext(c.permanent());
    grow(1);
    await settled();
    expect(cloud.calls).toHaveLength(1);
    expect(resizeErrors).toEqual([
      { poolId: "p1", code: "AllocationFailed", message: expect.stringMatching(c.permanentAdvice) },
    ]);
    expect(log.join("\n")).toMatch(c.permanentAdvice);
  });

  it("gives up on throttling that does not end, and reports it", async () => {
    const { cloud, grow, settled, resizeErrors } = await setUp();
    cloud.failNext(c.throttling(), c.throttling(), c.throttling(), c.throttling());
    grow(1);
    await settled();
    expect(cloud.calls).toHaveLength(3);
    expect(resizeErrors).toEqual([
      { poolId: "p1", code: "AllocationFailed", message: expect.stringContaining("after 3 attempts") },
    ]);
  });

  it("reports an instance removal that fails, and resolves so the node can go", async () => {
    const { cloud, grow, machines, settled, resizeErrors } = await setUp();
    const [first] = grow(1);
    await settled();
    cloud.calls.length = 0;
    first!.machine.machineId = c.machineId(1);
    first!.state = "leavingpool";
    cloud.failNext(c.permanent());
    await machines.release(first!);
    expect(resizeErrors).toEqual([
      { poolId: "p1", code: "NodeRemovalFailed", message: expect.stringContaining(c.machineId(1)) },
    ]);
  });

  it("sets each pool's capacity from its nodes at start-up", async () => {
    const { cloud, nodes, machines, settled } = await setUp();
    cloud.capacity.set("openbatch-p1", 7);
    nodes.push(node(1, "idle", c.machineId(1)), node(2, "unknown", c.machineId(2)), node(3, "leavingpool"));
    machines.recover([pool]);
    await settled();
    expect(cloud.changes()).toEqual([c.capacityCall(2)]);
  });
});

describe("the Azure provisioner's instances", () => {
  it("restarts a node's VM by its instance id, and refuses a machine id of another scale set", async () => {
    const cloud = new FakeCloud();
    const resizeErrors: string[] = [];
    const machines = await cloudMachines(clouds[0]!.options(cloud), {
      nodesOf: () => [],
      reportResizeError: (_poolId, error) => resizeErrors.push(error.message),
      log: () => {},
      clock: instantClock,
    });
    expect(machines.reboots).toBe(true);
    await machines.reboot(pool, node(1, "idle", "openbatch-p1_17"));
    expect(cloud.calls).toEqual([
      ["beginRestartAndWait", "rg", "openbatch-p1", { vmInstanceIDs: { instanceIds: ["17"] } }],
    ]);
    await machines.release(node(2, "leavingpool", "openbatch-p2_3"));
    expect(cloud.calls).toHaveLength(1);
    expect(resizeErrors).toEqual([expect.stringMatching(/not the name of a VM of scale set openbatch-p1/)]);
  });
});

describe("the AWS provisioner's instances", () => {
  async function awsMachines(cloud: FakeCloud, resizeErrors: string[], nodes: NodeRecord[] = []) {
    return cloudMachines(
      {
        provisioner: "aws",
        aws: { region: "eu-west-1", autoScalingGroupPrefix: "batch-", autoScaling: fakeAws(cloud) },
      },
      {
        nodesOf: () => nodes,
        reportResizeError: (_poolId, error) => resizeErrors.push(error.message),
        log: () => {},
        clock: instantClock,
      },
    );
  }

  it("does not reboot (Auto Scaling cannot), and terminates only instances of the pool's own group", async () => {
    const cloud = new FakeCloud();
    cloud.instances.set("batch-p1", ["i-0001"]);
    const resizeErrors: string[] = [];
    const machines = await awsMachines(cloud, resizeErrors);
    expect(machines.reboots).toBe(false);
    await expect(machines.reboot(pool, node(1, "idle", "i-0001"))).rejects.toThrow(/restart i-0001 yourself/);
    await machines.release(node(2, "leavingpool", "i-0bad"));
    expect(cloud.changes()).toEqual([]);
    expect(resizeErrors).toEqual([expect.stringMatching(/instance i-0bad is not in the group/)]);
  });

  it("refuses a capacity above the group's MaxSize, saying to raise it", async () => {
    const cloud = new FakeCloud();
    const resizeErrors: string[] = [];
    const nodes = Array.from({ length: 11 }, (_, i) => node(i, "starting"));
    const machines = await awsMachines(cloud, resizeErrors, nodes);
    machines.recover([pool]);
    await machines.release(node(99, "leavingpool"));
    expect(cloud.changes()).toEqual([]);
    expect(resizeErrors).toEqual([
      expect.stringMatching(/needs 11 instances but the group's MaxSize is 10; raise MaxSize/),
    ]);
  });
});

describe("cloudMachines", () => {
  it("says which setting is missing", async () => {
    const services = { nodesOf: () => [], reportResizeError: () => {}, log: () => {} };
    await expect(
      cloudMachines({ provisioner: "azure", azure: { subscriptionId: "s" } as never }, services),
    ).rejects.toThrow(/--azure-resource-group/);
    await expect(cloudMachines({ provisioner: "aws" }, services)).rejects.toThrow(/--aws-region/);
  });
});
