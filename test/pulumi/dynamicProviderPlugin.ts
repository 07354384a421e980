/**
 * The dynamic-provider plugin that `@pulumi/pulumi` ships (the process the Pulumi engine launches for
 * dynamic resources), started for real and driven over gRPC as the engine drives it: configure,
 * check, diff, create, read, update, delete. See shared notes "pulumi-without-cli".
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";

const require = createRequire(import.meta.url);
const grpc = require("@grpc/grpc-js");
const { ResourceProviderClient } = require("@pulumi/pulumi/proto/provider_grpc_pb");
const proto = require("@pulumi/pulumi/proto/provider_pb");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");

const root = path.resolve(import.meta.dirname, "../..");
const pluginEntry = require.resolve("@pulumi/pulumi/cmd/dynamic-provider/index.js");

export type Properties = Record<string, unknown>;

export interface DiffAnswer {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
}

/** The URN the engine would give a resource of `type` named `name`. */
export function urnOf(type: string, name: string): string {
  return `urn:pulumi:test::openbatch::${type}::${name}`;
}

/** The text `@pulumi/pulumi/dynamic` stores in `__provider`: a module whose `handler()` returns the provider. */
export async function serializeProvider(provider: pulumi.dynamic.ResourceProvider): Promise<string> {
  const serialized = await pulumi.runtime.serializeFunction(() => provider, {
    allowSecrets: true,
    exportName: "handler",
  });
  return serialized.text;
}

/** Drops `undefined` values, which `Struct.fromJavaScript` refuses. */
function struct(properties: Properties) {
  return Struct.fromJavaScript(JSON.parse(JSON.stringify(properties)));
}

export class DynamicProviderPlugin {
  private constructor(
    private readonly child: ChildProcess,
    private readonly client: InstanceType<typeof ResourceProviderClient>,
    /** What the plugin printed (its port, provider logs, stack traces). */
    readonly output: () => string,
  ) {}

  /** Starts the plugin from the project root (its own process group) and configures it. */
  static async start(): Promise<DynamicProviderPlugin> {
    const child = spawn(process.execPath, [pluginEntry, "127.0.0.1:1"], {
      cwd: root,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const record = (d: Buffer) => {
      output += d.toString();
    };
    child.stderr!.on("data", record);
    child.stdout!.on("data", record);
    const port = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the plugin printed no port in 30 s:\n${output}`)),
        30_000,
      );
      child.stdout!.on("data", () => {
        const match = /^(\d+)\s/m.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.once("exit", (code) => reject(new Error(`the plugin exited with ${code}:\n${output}`)));
    });
    const client = new ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const plugin = new DynamicProviderPlugin(child, client, () => output);
    const request = new proto.ConfigureRequest();
    request.setArgs(struct({}));
    await plugin.call("configure", request);
    return plugin;
  }

  /** Stops the plugin's process group and waits for it to exit. */
  async stop(): Promise<void> {
    this.client.close();
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    process.kill(-this.child.pid!, "SIGTERM");
    await exited;
  }

  private call<T>(method: string, request: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
      this.client[method](request, (error: Error | null, response: T) =>
        error ? reject(error) : resolve(response),
      );
    });
  }

  /** The checked inputs; failures reject with their reasons. */
  async check(urn: string, olds: Properties, news: Properties): Promise<Properties> {
    const request = new proto.CheckRequest();
    request.setUrn(urn);
    request.setOlds(struct(olds));
    request.setNews(struct(news));
    const response = await this.call<typeof proto.CheckResponse>("check", request);
    const failures = response
      .getFailuresList()
      .map((f: { getProperty(): string; getReason(): string }) => `${f.getProperty()}: ${f.getReason()}`);
    if (failures.length > 0) throw new Error(`check failed: ${failures.join("; ")}`);
    return response.getInputs().toJavaScript();
  }

  async diff(id: string, urn: string, olds: Properties, news: Properties): Promise<DiffAnswer> {
    const request = new proto.DiffRequest();
    request.setId(id);
    request.setUrn(urn);
    request.setOlds(struct(olds));
    request.setNews(struct(news));
    const response = await this.call<typeof proto.DiffResponse>("diff", request);
    return {
      changes: response.getChanges() === proto.DiffResponse.DiffChanges.DIFF_SOME,
      replaces: response.getReplacesList(),
      deleteBeforeReplace: response.getDeletebeforereplace(),
    };
  }

  async create(urn: string, properties: Properties): Promise<{ id: string; outputs: Properties }> {
    const request = new proto.CreateRequest();
    request.setUrn(urn);
    request.setProperties(struct(properties));
    const response = await this.call<typeof proto.CreateResponse>("create", request);
    return { id: response.getId(), outputs: response.getProperties().toJavaScript() };
  }

  /** `id` "" when the resource is gone; `inputs` when the provider returned them. */
  async read(
    id: string,
    urn: string,
    properties: Properties,
  ): Promise<{ id: string; outputs: Properties; inputs?: Properties }> {
    const request = new proto.ReadRequest();
    request.setId(id);
    request.setUrn(urn);
    request.setProperties(struct(properties));
    const response = await this.call<typeof proto.ReadResponse>("read", request);
    return {
      id: response.getId(),
      outputs: response.getProperties()?.toJavaScript() ?? {},
      inputs: response.getInputs()?.toJavaScript(),
    };
  }

  async update(id: string, urn: string, olds: Properties, news: Properties): Promise<Properties> {
    const request = new proto.UpdateRequest();
    request.setId(id);
    request.setUrn(urn);
    request.setOlds(struct(olds));
    request.setNews(struct(news));
    const response = await this.call<typeof proto.UpdateResponse>("update", request);
    return response.getProperties().toJavaScript();
  }

  async delete(id: string, urn: string, properties: Properties): Promise<void> {
    const request = new proto.DeleteRequest();
    request.setId(id);
    request.setUrn(urn);
    request.setProperties(struct(properties));
    await this.call("delete", request);
  }
}
