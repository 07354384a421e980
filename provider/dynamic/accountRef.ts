/** How a Pool or JobSchedule names its account in a program: the `Account` itself, or its connection. */
import * as pulumi from "@pulumi/pulumi";
import type { Account } from "./account.js";

/** The account a resource belongs to: an `Account`, or its endpoint, name and key. */
export type AccountRef =
  | { account: Account }
  | {
      /** The account service's URL (an `Account`'s `endpoint`). */
      endpoint: pulumi.Input<string>;
      /** The account's name. */
      accountName: pulumi.Input<string>;
      /** The account's key (an `Account`'s `primaryKey`), kept as a secret. */
      accountKey: pulumi.Input<string>;
    };

/** Args with `account` turned into its endpoint, name and (secret) key. */
export function withConnection<T extends AccountRef>(args: T): Record<string, unknown> {
  if (!("account" in args)) return { ...args, accountKey: pulumi.secret(args.accountKey) };
  const { account, ...rest } = args;
  return {
    ...rest,
    endpoint: account.endpoint,
    accountName: account.accountName,
    accountKey: account.primaryKey,
  };
}
