/**
 * A fake Azure compute API for the Azure provisioner whose "VMs" are real agent processes: raising a
 * scale set's capacity boots new instances (an agent started from dist/ without --node-id, with
 * --machine-id `<scaleSet>_<instanceId>` as a VM reads it from IMDS, and the join information a boot
 * script gets from the service); deleting an instance stops its agent; restarting one restarts it;
 * lowering the capacity removes the newest instances, as the NewestVM scale-in policy does.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { PoolJoinInformation } from "../../protocol/rest/poolJoin.js";
import type { AzureCompute, AzureScaleSets } from "../../service/provisioners/azure.js";
import { waitFor } from "./harness.js";

const agentEntry = path.resolve(import.meta.dirname, "../../dist/agent/main.js");

interface FakeVm {
  scaleSet: string;
  instanceId: number;
  root: string;
  agent?: ChildProcess;
}

export interface FakeScaleSetsOptions {
  /** Where the VMs' node roots go. */
  directory: string;
  prefix: string;
  joinInfo: (poolId: string) => Promise<PoolJoinInformation>;
}

export class FakeScaleSets implements AzureCompute {
  /** Every call, as `method scaleSet argument`. */
  readonly calls: string[] = [];
  readonly vms = new Map<string, FakeVm>();
  /** While false, new instances are created but their agent does not start (a VM that never boots). */
  boot = true;
  private readonly nextInstanceId = new Map<string, number>();

  constructor(private readonly options: FakeScaleSetsOptions) {}

  readonly virtualMachineScaleSets: AzureScaleSets = {
    get: async (_resourceGroup, scaleSet) => ({
      sku: { name: "Standard_D2s_v3", tier: "Standard", capacity: this.instances(scaleSet).length },
    }),
    beginUpdateAndWait: async (_resourceGroup, scaleSet, { sku }) => {
      this.calls.push(`update ${scaleSet} capacity=${sku.capacity}`);
      while (this.instances(scaleSet).length < sku.capacity) await this.create(scaleSet);
      const surplus = this.instances(scaleSet).slice(sku.capacity);
      for (const vm of surplus) await this.remove(vm);
      return {};
    },
    beginDeleteInstancesAndWait: async (_resourceGroup, scaleSet, { instanceIds }) => {
      this.calls.push(`delete ${scaleSet} ${instanceIds.join(",")}`);
      for (const id of instanceIds) await this.remove(this.vms.get(`${scaleSet}_${id}`)!);
    },
    beginRestartAndWait: async (_resourceGroup, scaleSet, { vmInstanceIDs }) => {
      this.calls.push(`restart ${scaleSet} ${vmInstanceIDs.instanceIds.join(",")}`);
      for (const id of vmInstanceIDs.instanceIds) {
        const vm = this.vms.get(`${scaleSet}_${id}`)!;
        await stopAgent(vm);
        await this.startAgent(vm);
      }
    },
  };

  /** The instances of a scale set, oldest first. */
  instances(scaleSet: string): FakeVm[] {
    return [...this.vms.values()]
      .filter((vm) => vm.scaleSet === scaleSet)
      .sort((a, b) => a.instanceId - b.instanceId);
  }

  /** The node id the VM's agent was given, as it keeps it under its root. */
  nodeIdOf(vm: FakeVm): string | undefined {
    try {
      return (
        JSON.parse(fs.readFileSync(path.join(vm.root, ".agent", "node.json"), "utf8")) as { nodeId: string }
      ).nodeId;
    } catch {
      return undefined;
    }
  }

  /** A reimage: the disk is wiped (the stored node id with it) and the VM boots again with the same name. */
  async reimage(vm: FakeVm): Promise<void> {
    await stopAgent(vm);
    fs.rmSync(vm.root, { recursive: true, force: true });
    await this.startAgent(vm);
  }

  async stopAll(): Promise<void> {
    for (const vm of this.vms.values()) await stopAgent(vm);
  }

  private async create(scaleSet: string): Promise<void> {
    const instanceId = this.nextInstanceId.get(scaleSet) ?? 0;
    this.nextInstanceId.set(scaleSet, instanceId + 1);
    const vm: FakeVm = {
      scaleSet,
      instanceId,
      root: path.join(this.options.directory, `${scaleSet}_${instanceId}`),
    };
    this.vms.set(`${scaleSet}_${instanceId}`, vm);
    if (this.boot) await this.startAgent(vm);
  }

  private async remove(vm: FakeVm): Promise<void> {
    await stopAgent(vm);
    this.vms.delete(`${vm.scaleSet}_${vm.instanceId}`);
  }

  /** What a VM's boot script does: get the join information, start the agent with the VM's name. */
  private async startAgent(vm: FakeVm): Promise<void> {
    const poolId = vm.scaleSet.slice(this.options.prefix.length);
    const join = await this.options.joinInfo(poolId);
    fs.mkdirSync(vm.root, { recursive: true });
    const log = fs.openSync(`${vm.root}.log`, "a");
    vm.agent = spawn(
      process.execPath,
      [
        agentEntry,
        "--service-url",
        join.serviceUrl,
        "--pool-id",
        poolId,
        "--machine-id",
        `${vm.scaleSet}_${vm.instanceId}`,
        "--root",
        vm.root,
        "--ip-address",
        "127.0.0.1",
      ],
      { env: { ...process.env, OPENBATCH_JOIN_TOKEN: join.joinToken }, stdio: ["ignore", log, log] },
    );
    fs.closeSync(log);
  }
}

async function stopAgent(vm: FakeVm): Promise<void> {
  const agent = vm.agent;
  vm.agent = undefined;
  if (!agent || agent.exitCode !== null || agent.signalCode !== null) return;
  agent.kill("SIGTERM");
  await waitFor(
    `the agent of ${vm.scaleSet}_${vm.instanceId} to stop`,
    async () => agent.exitCode !== null || agent.signalCode !== null,
  );
}
