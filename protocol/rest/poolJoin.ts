import Type, { type Static } from "typebox";

/**
 * What a machine needs to join a pool as a node (an OpenBatch extension, `GET
 * /openbatch/pools/{poolId}/join`): the cloud components put it into their VMs' boot scripts.
 */
export const PoolJoinInformation = Type.Object({
  serviceUrl: Type.String({
    description: "The agents' WebSocket URL (`ws://` or `wss://…/openbatch/agent`), for `--service-url`.",
  }),
  joinToken: Type.String({
    description: "The pool's join token, for `OPENBATCH_JOIN_TOKEN`: a secret, as the account key is.",
  }),
  bundleUrl: Type.String({ description: "Where the agent bundle is downloaded from (no key needed)." }),
});
export type PoolJoinInformation = Static<typeof PoolJoinInformation>;
