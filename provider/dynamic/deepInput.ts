import type * as pulumi from "@pulumi/pulumi";

/** A value whose every part may be an Output of another resource (e.g. `{ poolInfo: { poolId: pool.poolName } }`). */
export type DeepInput<T> = pulumi.Input<
  T extends (infer E)[] ? DeepInput<E>[] : T extends object ? { [K in keyof T]: DeepInput<T[K]> } : T
>;
