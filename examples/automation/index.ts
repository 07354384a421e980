/**
 * examples/local's resources applied from a plain TypeScript program with Pulumi's Automation API
 * (no `pulumi up` typed by hand): selects or creates the stack, runs `up`, prints the outputs;
 * `--destroy` tears it down. Needs the Pulumi CLI on the PATH. See README.md.
 *
 *   npx tsx examples/automation/index.ts [--stack dev] [--nodes 3] [--destroy]
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { LocalWorkspace } from "@pulumi/pulumi/automation/index.js";
import { inlineProgram } from "./program.js";

const { values } = parseArgs({
  options: {
    stack: { type: "string", default: "dev" },
    nodes: { type: "string", default: "2" },
    destroy: { type: "boolean", default: false },
  },
});

// The dynamic resources' providers are loaded from the workspace directory, which must be inside the
// repository for the built `openbatch` package to resolve (run `npm run build` first). The workspace
// writes its Pulumi.yaml there. Paths in the config are absolute: the program runs in this process,
// the providers in the directory of the workspace.
const workDir = import.meta.dirname;
const stack = await LocalWorkspace.createOrSelectStack(
  { stackName: values.stack!, projectName: "openbatch-automation", program: inlineProgram },
  {
    workDir,
    projectSettings: { name: "openbatch-automation", runtime: "nodejs" },
    // A local state backend, no Pulumi Cloud login needed.
    envVars: { PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "" },
  },
);
await stack.setAllConfig({
  nodeCount: { value: values.nodes! },
  appDir: { value: path.resolve(workDir, "../local/app") },
  buildDir: { value: path.resolve(workDir, "build") },
});

if (values.destroy) {
  await stack.destroy({ onOutput: (text) => process.stdout.write(text) });
  console.log(`stack ${values.stack} destroyed`);
} else {
  const result = await stack.up({ onOutput: (text) => process.stdout.write(text) });
  for (const [name, output] of Object.entries(result.outputs))
    console.log(`${name}: ${output.secret ? "[secret]" : JSON.stringify(output.value)}`);
}
