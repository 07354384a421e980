/**
 * "Which account": the endpoint, name and key every Pool and JobSchedule carries in its inputs (and
 * outputs, so that refresh and delete reach the service without the program), and the REST client
 * made from them.
 */
import type * as pulumi from "@pulumi/pulumi";
import { BatchClient, BatchRequestError } from "../../client/index.js";

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

/** The connection a read used, as it goes back into state. */
export function connectionOf(
  client: BatchClient,
  props: Partial<AccountConnection> | undefined,
): AccountConnection {
  return {
    endpoint: client.endpoint,
    accountName: client.accountName,
    accountKey: props?.accountKey || process.env.OPENBATCH_ACCOUNT_KEY || "",
  };
}

/** A request's answer, or `{ found: false }` when the service answers `notFoundCode` (the resource is gone). */
export async function unlessGone<T>(
  request: Promise<T>,
  notFoundCode: string,
): Promise<{ found: true; value: T } | { found: false }> {
  try {
    return { found: true, value: await request };
  } catch (error) {
    if (error instanceof BatchRequestError && error.code === notFoundCode) return { found: false };
    throw error;
  }
}
