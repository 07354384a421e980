/**
 * Runs a Pulumi program or component under `pulumi.runtime.setMocks` and records what the engine
 * would have been asked: each resource's type, name, inputs (secrets still wrapped in Pulumi's secret
 * marker, as they travel to the engine), the `ignoreChanges` of its registration request, and each
 * component's registered outputs. Call `installMocks()` before importing the code under test (the
 * runtime is process-wide: one program per test file).
 */
import * as pulumi from "@pulumi/pulumi";

/** How Pulumi marks a secret value in the RPC payload (`specialSigKey` / `specialSecretSig`). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000001";

export interface RecordedResource {
  type: string;
  name: string;
  custom: boolean;
  inputs: Record<string, unknown>;
  ignoreChanges: string[];
}

export interface MockRecords {
  resources: RecordedResource[];
  /** Component outputs as registered (`registerResourceOutputs`), by resource name. */
  componentOutputs: Map<string, Record<string, unknown>>;
  invokes: { token: string; inputs: Record<string, unknown> }[];
}

export async function installMocks(
  project = "openbatch-test",
  config: Record<string, string> = {},
): Promise<MockRecords> {
  const records: MockRecords = { resources: [], componentOutputs: new Map(), invokes: [] };
  const pending = new Map<string, RecordedResource>();
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const record: RecordedResource = {
          type: args.type,
          name: args.name,
          custom: args.custom ?? false,
          inputs: args.inputs,
          ignoreChanges: [],
        };
        pending.set(`${args.type}::${args.name}`, record);
        records.resources.push(record);
        const state = { ...args.inputs, ...cloudState(args) };
        return { id: args.custom ? String(state.id ?? `${args.name}-id`) : undefined, state };
      },
      call(args) {
        records.invokes.push({ token: args.token, inputs: args.inputs });
        return invokeResult(args.token, args.inputs);
      },
    },
    project,
    "unit",
    false,
  );
  pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries(config).map(([key, value]) => [`${project}:${key}`, value])),
  );
  // The mocks' `newResource` never sees resource options; the request the engine would get does.
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(request: RegisterRequest, callback: unknown): Promise<void>;
    registerResourceOutputs(request: OutputsRequest, callback: unknown): void;
  };
  const registerResource = monitor.registerResource.bind(monitor);
  monitor.registerResource = async (request, callback) => {
    await registerResource(request, callback);
    const record = pending.get(`${request.getType()}::${request.getName()}`);
    if (record) record.ignoreChanges = request.getIgnorechangesList();
  };
  const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (request, callback) => {
    const name = request.getUrn().split("::").at(-1)!;
    records.componentOutputs.set(name, request.getOutputs()?.toJavaScript() ?? {});
    registerOutputs(request, callback);
  };
  return records;
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getIgnorechangesList(): string[];
}

interface OutputsRequest {
  getUrn(): string;
  getOutputs(): { toJavaScript(): Record<string, unknown> } | undefined;
}

/** Waits until every registration the program started has been answered. */
export async function settle(): Promise<void> {
  await pulumi.runtime.disconnect();
}

/** Plausible provider-computed outputs for the resources the components read back. */
function cloudState(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
  const inputs = args.inputs as Record<string, unknown>;
  switch (args.type) {
    case "azure-native:resources:ResourceGroup":
      return { name: args.name, id: `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${args.name}` };
    case "azure-native:compute:VirtualMachine":
      return {
        name: args.name,
        identity: { type: "SystemAssigned", principalId: `principal-of-${args.name}` },
      };
    case "azure-native:network:PublicIPAddress":
      return { name: args.name, ipAddress: "203.0.113.10" };
    case "azure-native:compute:VirtualMachineScaleSet":
      return { name: inputs.vmScaleSetName ?? args.name };
    case "azure-native:storage:StorageAccount":
      return { name: inputs.accountName ?? args.name };
    case "azure-native:storage:BlobContainer":
      return { name: inputs.containerName ?? args.name };
    case "aws:ec2/instance:Instance":
      return { publicIp: "198.51.100.20" };
    case "aws:s3/bucket:Bucket":
      return { bucket: `${args.name}-1234`, arn: `arn:aws:s3:::${args.name}-1234` };
    case "aws:iam/role:Role":
      return { name: args.name, arn: `arn:aws:iam::123456789012:role/${args.name}` };
    default:
      return { name: inputs.name ?? args.name };
  }
}

function invokeResult(token: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (token) {
    case "azure-native:resources:getResourceGroup":
      return {
        id: `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${inputs.resourceGroupName}`,
        name: inputs.resourceGroupName,
      };
    case "aws:index/getRegion:getRegion":
      return { region: "eu-west-1", name: "eu-west-1" };
    case "aws:ec2/getAmi:getAmi":
      return { id: "ami-0123456789abcdef0" };
    default:
      throw new Error(`no mock for invoke ${token}`);
  }
}

export function isSecretValue(value: unknown): value is { value: unknown } {
  return (
    typeof value === "object" && value !== null && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG
  );
}

/** The value with every secret replaced by `"[secret]"`: what may be shown and stored in plain text. */
export function withoutSecrets(value: unknown): unknown {
  if (isSecretValue(value)) return "[secret]";
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, withoutSecrets(inner)]));
  }
  return value;
}

/** Everything the engine would store in plain text, as one string to search. */
export function plainText(records: MockRecords): string {
  return JSON.stringify([
    records.resources.map((resource) => withoutSecrets(resource.inputs)),
    [...records.componentOutputs.values()].map(withoutSecrets),
    records.invokes.map((invoke) => withoutSecrets(invoke.inputs)),
  ]);
}

export function resourcesOfType(records: MockRecords, type: string): RecordedResource[] {
  return records.resources.filter((resource) => resource.type === type);
}

export function onlyResource(records: MockRecords, type: string): RecordedResource {
  const found = resourcesOfType(records, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0]!;
}

/**
 * The value at `path` (dot-separated) and whether it travels as a secret: itself or an enclosing
 * value marked secret (SDKs that apply defaults to a nested object make the whole object secret).
 */
export function valueAt(inputs: unknown, path: string): { value: unknown; secret: boolean } {
  let value = inputs;
  let secret = false;
  for (const key of path.split(".")) {
    if (isSecretValue(value)) {
      secret = true;
      value = value.value;
    }
    value = (value as Record<string, unknown> | undefined)?.[key];
  }
  if (isSecretValue(value)) return { value: value.value, secret: true };
  return { value, secret };
}

/** The value at `path`; fails unless it travels as a secret. */
export function secretAt(inputs: unknown, path: string): unknown {
  const { value, secret } = valueAt(inputs, path);
  if (!secret) throw new Error(`expected ${path} to be a secret, got ${JSON.stringify(value)?.slice(0, 80)}`);
  return value;
}

export function decodeBase64(value: unknown): string {
  return Buffer.from(String(value), "base64").toString("utf8");
}

/** An output's value, once resolved. */
export function outputValue<T>(output: { apply<U>(f: (value: T) => U): unknown }): Promise<T> {
  return new Promise<T>((resolve) => output.apply((inner) => resolve(inner)));
}
