/**
 * "Which account": the endpoint, name and key every Pool and JobSchedule carries in its inputs (and
 * outputs, so that refresh and delete reach the service without the program), and the REST client
 * made from them.
 */
import type * as pulumi from "@pulumi/pulumi";
import { BatchClient } from "../../client/index.js";

/** Inputs that say which account service a resource lives in; an `Account`'s outputs fit. */
export interface AccountConnection {
  /** The account service's URL, e.g. an `Account`'s `endpoint` output. */
  endpoint: string;
  /** The account's name (`Account.accountName`). */
  accountName: string;
  /** The account's SharedKey (`Account.primaryKey`); kept as a secret. */
  accountKey: string;
}

export const connectionKeys = ["endpoint", "accountName", "accountKey"] as const;

/** Failures for missing connection inputs. */
export function connectionFailures(news: Partial<AccountConnection>): pulumi.dynamic.CheckFailure[] {
  return connectionKeys
    .filter((key) => typeof news[key] !== "string" || news[key] === "")
    .map((key) => ({
      property: key,
      reason: `${key} is required: pass the Account resource as 'account', or its ${key === "accountKey" ? "primaryKey" : key} output.`,
    }));
}

/**
 * The client for a resource's account. Without connection properties (an import that gave only an
 * id), the CLI's environment variables are used: OPENBATCH_ENDPOINT, OPENBATCH_ACCOUNT_NAME,
 * OPENBATCH_ACCOUNT_KEY.
 */
export function clientFor(props: Partial<AccountConnection> | undefined): BatchClient {
  const endpoint = props?.endpoint || process.env.OPENBATCH_ENDPOINT;
  const accountName = props?.accountName || process.env.OPENBATCH_ACCOUNT_NAME;
  const accountKey = props?.accountKey || process.env.OPENBATCH_ACCOUNT_KEY;
  if (!endpoint || !accountName || !accountKey) {
    throw new Error(
      "No account to talk to: give the resource endpoint, accountName and accountKey (or set " +
        "OPENBATCH_ENDPOINT, OPENBATCH_ACCOUNT_NAME and OPENBATCH_ACCOUNT_KEY for an import).",
    );
  }
  return new BatchClient({ endpoint, accountName, accountKey });
}

/** The connection as it will be stored in outputs. */
export function connectionOf(props: AccountConnection): AccountConnection {
  return { endpoint: props.endpoint, accountName: props.accountName, accountKey: props.accountKey };
}
