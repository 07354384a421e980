/**
 * A stand-in for `pulumi up` / `pulumi destroy` in tests: applies resources captured from a program
 * run under mocks (capturedResources.ts) through the real dynamic-provider plugin, in registration
 * order (which is dependency order: a resource registers once the outputs it takes have resolved),
 * replacing placeholders with the outputs of the resources created before it. Given the state of an
 * earlier apply, it checks and diffs each resource and creates, updates or replaces it as the diff
 * says, and deletes what the program no longer declares. Not an engine: no preview, no parallelism.
 */
import type { CapturedResource } from "./capturedResources.js";
import { type DynamicProviderPlugin, type Properties, urnOf } from "./dynamicProviderPlugin.js";

export interface AppliedResource {
  type: string;
  name: string;
  urn: string;
  id: string;
  /** Checked inputs (placeholders resolved). */
  inputs: Properties;
  outputs: Properties;
}

/** What an apply did to each resource, by name. */
export type Operation = "create" | "update" | "replace" | "same" | "delete";

export interface AppliedStack {
  resources: AppliedResource[];
  operations: Record<string, Operation>;
}

const PLACEHOLDER = /«([^».]+)\.([^»]+)»/g;

/** How the SDK marks a secret value in resource inputs; the engine unwraps it for a provider that does not accept secrets. */
const SECRET_SIGNATURE = ["4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"] as const;

function isSecretValue(value: object): value is { value: unknown } {
  return (value as Record<string, unknown>)[SECRET_SIGNATURE[0]] === SECRET_SIGNATURE[1];
}

/**
 * Replaces `«name.output»` placeholders by the real outputs of resources applied so far, and unwraps
 * secrets as the engine does for the dynamic-provider plugin (it answers acceptSecrets=false).
 */
function resolvePlaceholders(value: unknown, applied: Map<string, AppliedResource>): unknown {
  if (typeof value === "string") {
    const whole = /^«([^».]+)\.([^»]+)»$/.exec(value);
    if (whole) return outputOf(applied, whole[1]!, whole[2]!);
    return value.replace(PLACEHOLDER, (_, name: string, output: string) =>
      String(outputOf(applied, name, output)),
    );
  }
  if (Array.isArray(value)) return value.map((v) => resolvePlaceholders(v, applied));
  if (value && typeof value === "object" && isSecretValue(value))
    return resolvePlaceholders(value.value, applied);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolvePlaceholders(v, applied)]));
  return value;
}

function outputOf(applied: Map<string, AppliedResource>, name: string, output: string): unknown {
  const resource = applied.get(name);
  if (!resource) throw new Error(`resource ${name} is used before it was applied`);
  return output === "id" ? resource.id : resource.outputs[output];
}

export async function applyResources(
  plugin: DynamicProviderPlugin,
  captured: CapturedResource[],
  previous?: AppliedStack,
): Promise<AppliedStack> {
  const before = new Map(previous?.resources.map((r) => [r.name, r]));
  const applied = new Map<string, AppliedResource>();
  const operations: Record<string, Operation> = {};
  for (const resource of captured) {
    const urn = urnOf(resource.type, resource.name);
    const news = resolvePlaceholders(resource.inputs, applied) as Properties;
    const old = before.get(resource.name);
    const inputs = await plugin.check(urn, old?.inputs ?? {}, news);
    if (!old) {
      const { id, outputs } = await plugin.create(urn, inputs);
      applied.set(resource.name, { type: resource.type, name: resource.name, urn, id, inputs, outputs });
      operations[resource.name] = "create";
      continue;
    }
    const diff = await plugin.diff(old.id, urn, old.outputs, inputs);
    if (diff.replaces.length > 0) {
      if (diff.deleteBeforeReplace) await plugin.delete(old.id, urn, old.outputs);
      const { id, outputs } = await plugin.create(urn, inputs);
      if (!diff.deleteBeforeReplace) await plugin.delete(old.id, urn, old.outputs);
      applied.set(resource.name, { ...old, id, inputs, outputs });
      operations[resource.name] = "replace";
    } else if (diff.changes) {
      const outputs = await plugin.update(old.id, urn, old.outputs, inputs);
      applied.set(resource.name, { ...old, inputs, outputs });
      operations[resource.name] = "update";
    } else {
      applied.set(resource.name, old);
      operations[resource.name] = "same";
    }
  }
  const gone = [...before.values()].filter((r) => !applied.has(r.name));
  for (const resource of gone.reverse()) {
    await plugin.delete(resource.id, resource.urn, resource.outputs);
    operations[resource.name] = "delete";
  }
  return { resources: [...applied.values()], operations };
}

/** Deletes every resource of an applied stack, dependents first (reverse order). */
export async function destroyResources(plugin: DynamicProviderPlugin, stack: AppliedStack): Promise<void> {
  for (const resource of [...stack.resources].reverse())
    await plugin.delete(resource.id, resource.urn, resource.outputs);
}
