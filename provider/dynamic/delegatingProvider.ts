/**
 * The provider object a dynamic resource hands to Pulumi. Pulumi serializes it into the resource's
 * state (`__provider`) and runs it in the dynamic-provider plugin process, so it captures nothing but
 * the id of the module that implements it, and `require`s that module inside each method, resolved
 * from the working directory (the Pulumi project: its node_modules/openbatch, or this package itself
 * through its `exports`). The state stays the same across OpenBatch versions.
 */
import type * as pulumi from "@pulumi/pulumi";

type Implementation = Required<pulumi.dynamic.ResourceProvider>;

/** `moduleId` exports `provider`, the real implementation, e.g. `openbatch/provider/dynamic/poolProvider`. */
export function delegatingProvider(moduleId: string): pulumi.dynamic.ResourceProvider {
  const load = (): Implementation => {
    const { createRequire } = require("node:module");
    return createRequire(`${process.cwd()}/index.js`)(moduleId).provider;
  };
  return {
    check: (olds, news) => load().check(olds, news),
    diff: (id, olds, news) => load().diff(id, olds, news),
    create: (inputs) => load().create(inputs),
    read: (id, props) => load().read(id, props),
    update: (id, olds, news) => load().update(id, olds, news),
    delete: (id, props) => load().delete(id, props),
  };
}
