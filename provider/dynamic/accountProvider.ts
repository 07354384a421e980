/**
 * The implementation behind `Account` (account.ts), loaded inside the dynamic-provider plugin. A local
 * account is a daemon plus its data directory; the resource's id is that directory's absolute path.
 */
import fs from "node:fs";
import type * as pulumi from "@pulumi/pulumi";
import type { AccountInputs, AccountOutputs } from "./account.js";
import {
  ensureDaemon,
  expandHome,
  keptAccount,
  type RunningDaemon,
  runningDaemon,
  stopDaemon,
} from "./localDaemon.js";
import { type ChangeTable, diffByTable, withoutUndefined } from "./propertyDiff.js";

const ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;

const changeEffects: ChangeTable<AccountInputs> = {
  cloud: "replace",
  accountName: "replace",
  dataDir: "replace",
  host: "update",
  port: "update",
  accountKey: "update",
  retainData: "update",
};

class AccountProvider implements pulumi.dynamic.ResourceProvider<AccountInputs, AccountOutputs> {
  async check(_olds: AccountInputs, news: AccountInputs): Promise<pulumi.dynamic.CheckResult<AccountInputs>> {
    const inputs: AccountInputs = withoutUndefined({
      ...news,
      cloud: news.cloud ?? "local",
      host: news.host ?? "127.0.0.1",
      port: news.port ?? 0,
      retainData: news.retainData ?? true,
    });
    const failures: pulumi.dynamic.CheckFailure[] = [];
    if (inputs.cloud !== "local") {
      failures.push({
        property: "cloud",
        reason: `cloud '${inputs.cloud}' is not served by this resource yet: use cloud "local" (Azure and AWS hosts come from the provider/azure and provider/aws components).`,
      });
    }
    if (!ACCOUNT_NAME.test(inputs.accountName ?? "")) {
      failures.push({
        property: "accountName",
        reason: `accountName '${inputs.accountName}' is invalid: use 3 to 24 lower-case letters and digits.`,
      });
    }
    if (!inputs.dataDir)
      failures.push({ property: "dataDir", reason: "dataDir is required: a directory path." });
    if (!Number.isInteger(inputs.port) || inputs.port < 0 || inputs.port > 65535) {
      failures.push({
        property: "port",
        reason: `port ${inputs.port} is invalid: use 0 (any free port) to 65535.`,
      });
    }
    if (inputs.accountKey !== undefined && Buffer.from(inputs.accountKey, "base64").length < 16) {
      failures.push({
        property: "accountKey",
        reason: "accountKey must be base64 of at least 16 bytes, or left out.",
      });
    }
    return { inputs, failures };
  }

  /** Besides changed inputs, a daemon that is not running is a change: the update starts it again. */
  async diff(id: string, olds: AccountOutputs, news: AccountInputs): Promise<pulumi.dynamic.DiffResult> {
    const diff = diffByTable(olds, news, changeEffects);
    if (diff.changes) return diff;
    const running = await runningDaemon(id);
    return running?.endpoint === olds.endpoint ? diff : { ...diff, changes: true };
  }

  async create(inputs: AccountInputs): Promise<pulumi.dynamic.CreateResult<AccountOutputs>> {
    const dataDir = expandHome(inputs.dataDir);
    return { id: dataDir, outs: outputs(inputs, await ensureDaemon(settings(inputs))) };
  }

  async update(
    _id: string,
    _olds: AccountOutputs,
    news: AccountInputs,
  ): Promise<pulumi.dynamic.UpdateResult<AccountOutputs>> {
    return { outs: outputs(news, await ensureDaemon(settings(news))) };
  }

  /** Gone when the data directory no longer holds an account; a stopped daemon is not gone (diff restarts it). */
  async read(id: string, props?: AccountOutputs): Promise<pulumi.dynamic.ReadResult> {
    const kept = keptAccount(id);
    if (!kept) return {};
    const running = await runningDaemon(id);
    const inputs: AccountInputs = withoutUndefined({
      cloud: "local" as const,
      accountName: kept.accountName,
      dataDir: props?.dataDir ?? id,
      host: props?.host ?? (running ? new URL(running.endpoint).hostname : "127.0.0.1"),
      port: props?.port ?? 0,
      accountKey: props?.accountKey,
      retainData: props?.retainData ?? true,
    });
    const daemon = running ?? {
      pid: 0,
      endpoint: "",
      accountName: kept.accountName,
      accountKey: kept.accountKey,
    };
    return { id, props: outputs(inputs, daemon), inputs };
  }

  async delete(id: string, props: AccountOutputs): Promise<void> {
    await stopDaemon(id);
    if (props.retainData === false) fs.rmSync(id, { recursive: true, force: true });
  }
}

function settings(inputs: AccountInputs) {
  return {
    dataDir: expandHome(inputs.dataDir),
    accountName: inputs.accountName,
    host: inputs.host,
    port: inputs.port,
    accountKey: inputs.accountKey,
  };
}

function outputs(inputs: AccountInputs, daemon: RunningDaemon): AccountOutputs {
  return withoutUndefined({
    ...inputs,
    endpoint: daemon.endpoint,
    primaryKey: daemon.accountKey,
    pid: daemon.pid,
  });
}

export const provider = new AccountProvider();
