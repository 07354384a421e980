/**
 * Runs a Pulumi program under `pulumi.runtime.setMocks` and captures each resource it registers, with
 * its inputs as the engine would get them (a dynamic resource's carry the real serialized provider in
 * `__provider`). Outputs that only the real provider knows are mocked as placeholders,
 * `«<name>.<output>»`, which `applyResources` replaces with the real values.
 */
import * as pulumi from "@pulumi/pulumi";

export interface CapturedResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

/** The placeholder standing for an output of resource `name` until it is really created. */
export function placeholder(name: string, output: string): string {
  return `«${name}.${output}»`;
}

/**
 * Installs mocks that record resources into the returned list. `outputs` names, per type token, the
 * outputs the provider computes (they become placeholders). Call before importing the program.
 */
export function captureResources(
  outputs: Record<string, string[]>,
  project = "openbatch",
  stack = "test",
): CapturedResource[] {
  const captured: CapturedResource[] = [];
  pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        captured.push({ type: args.type, name: args.name, inputs: args.inputs });
        const computed = Object.fromEntries(
          (outputs[args.type] ?? []).map((key) => [key, placeholder(args.name, key)]),
        );
        return { id: placeholder(args.name, "id"), state: { ...args.inputs, ...computed } };
      },
      call: (args) => args.inputs,
    },
    project,
    stack,
  );
  return captured;
}

/** The output types OpenBatch's dynamic resources compute. */
export const openbatchOutputs: Record<string, string[]> = {
  "pulumi-nodejs:dynamic/openbatch:Account": ["endpoint", "primaryKey", "pid"],
  "pulumi-nodejs:dynamic/openbatch:Pool": [
    "currentDedicatedNodes",
    "currentLowPriorityNodes",
    "creationTime",
    "joinToken",
  ],
  "pulumi-nodejs:dynamic/openbatch:JobSchedule": ["state", "creationTime"],
  "pulumi-nodejs:dynamic/openbatch:VirtualNetwork": [
    "subnetId",
    "gatewayAddress",
    "isolation",
    "isolationReason",
  ],
  "pulumi-nodejs:dynamic/openbatch:Certificate": ["thumbprint", "thumbprintAlgorithm", "publicData"],
  "pulumi-nodejs:dynamic/openbatch:ApplicationPackage": ["sha256", "format", "size"],
};

/** Resolves once every output of `resources` has resolved (so that every registration happened). */
export function settled(...outputs: pulumi.Output<unknown>[]): Promise<void> {
  return new Promise((resolve) => pulumi.all(outputs).apply(() => resolve()));
}
