/**
 * The Account dynamic provider's CRUD called directly: it spawns a real local account daemon
 * (`openbatch service start`, detached), adopts it when asked again, restarts it when it stopped or
 * its port changes, and stops it (and, with retainData false, removes its data) on delete.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BatchClient } from "../../client/index.js";
import type { AccountInputs, AccountOutputs } from "../../provider/dynamic/account.js";
import { provider } from "../../provider/dynamic/accountProvider.js";
import { killEverything, makeDataDir, processesMentioning } from "./harness.js";

const cli = path.resolve(import.meta.dirname, "../../dist/cli/main.js");

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function healthy(endpoint: string): Promise<boolean> {
  try {
    return (await fetch(`${endpoint}/openbatch/health`)).ok;
  } catch {
    return false;
  }
}

describe("Account provider with a local daemon", () => {
  const root = makeDataDir("pulumi-account");
  const dataDir = path.join(root, "acct");
  afterAll(() => killEverything(root));
  let outputs: AccountOutputs;

  async function checked(news: Partial<AccountInputs>): Promise<AccountInputs> {
    const result = await provider.check({} as AccountInputs, news as AccountInputs);
    expect(result.failures).toEqual([]);
    return result.inputs!;
  }

  it("checks names and clouds, saying what to use instead", async () => {
    const { failures } = await provider.check(
      {} as AccountInputs,
      {
        cloud: "azure",
        accountName: "Not_Valid",
        dataDir,
        port: 70000,
      } as unknown as AccountInputs,
    );
    expect(failures!.map((f) => f.property)).toEqual(["cloud", "accountName", "port"]);
    expect(failures![0]!.reason).toContain('use cloud "local"');
  });

  it("starts a daemon with its own process group, a log and service.json, and a secret key", async () => {
    const inputs = await checked({ accountName: "acctone", dataDir, retainData: false });
    expect(inputs).toMatchObject({ cloud: "local", host: "127.0.0.1", port: 0 });
    const created = await provider.create(inputs);
    expect(created.id).toBe(dataDir);
    outputs = created.outs!;
    const client = new BatchClient({
      endpoint: outputs.endpoint,
      accountName: "acctone",
      accountKey: outputs.primaryKey,
    });
    expect(await client.pools.listPage()).toMatchObject({ value: [] });
    const service = JSON.parse(fs.readFileSync(path.join(dataDir, "service.json"), "utf8"));
    expect(service).toMatchObject({ pid: outputs.pid, endpoint: outputs.endpoint, accountName: "acctone" });
    expect(fs.readFileSync(path.join(dataDir, "service.log"), "utf8")).toContain("listening on");
    // Detached: the daemon leads its own process group.
    const stat = fs.readFileSync(`/proc/${outputs.pid}/stat`, "utf8");
    expect(Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2])).toBe(outputs.pid);
  });

  it("adopts the running daemon instead of starting another", async () => {
    const again = await provider.create(
      await checked({ accountName: "acctone", dataDir, retainData: false }),
    );
    expect(again.outs!.pid).toBe(outputs.pid);
    expect(again.outs!.endpoint).toBe(outputs.endpoint);
  });

  it("refuses a data directory that serves another account", async () => {
    await expect(provider.create(await checked({ accountName: "other", dataDir }))).rejects.toThrow(
      /serves account 'acctone', not 'other'/,
    );
  });

  it("restarts the daemon in place when its port changes, keeping its key", async () => {
    const port = await freePort();
    const news = await checked({ accountName: "acctone", dataDir, retainData: false, port });
    expect(await provider.diff(dataDir, outputs, news)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    const updated = (await provider.update(dataDir, outputs, news)).outs!;
    expect(updated.endpoint).toBe(`http://127.0.0.1:${port}`);
    expect(updated.pid).not.toBe(outputs.pid);
    expect(updated.primaryKey).toBe(outputs.primaryKey);
    expect(processesMentioning(dataDir)).toEqual([updated.pid]);
    outputs = updated;
  });

  it("replaces the account when its name changes", async () => {
    const diff = await provider.diff(dataDir, outputs, await checked({ ...outputs, accountName: "renamed" }));
    expect(diff).toMatchObject({ replaces: ["accountName"], deleteBeforeReplace: true });
  });

  it("sees a daemon stopped out of band as a change, and the update starts it again", async () => {
    execFileSync(process.execPath, [cli, "service", "stop", "--data-dir", dataDir]);
    expect(fs.existsSync(path.join(dataDir, "service.json"))).toBe(false);
    const news = await checked({ accountName: "acctone", dataDir, retainData: false, port: outputs.port });
    const refreshed = await provider.read(dataDir, outputs);
    expect(refreshed).toMatchObject({ id: dataDir, props: { pid: 0, primaryKey: outputs.primaryKey } });
    expect(await provider.diff(dataDir, refreshed.props, news)).toMatchObject({
      changes: true,
      replaces: [],
    });
    outputs = (await provider.update(dataDir, refreshed.props, news)).outs!;
    expect(await healthy(outputs.endpoint)).toBe(true);
  });

  it("imports the account of a data directory from its path alone", async () => {
    const imported = await provider.read(dataDir, undefined);
    expect(imported).toMatchObject({
      id: dataDir,
      props: {
        accountName: "acctone",
        endpoint: outputs.endpoint,
        primaryKey: outputs.primaryKey,
        pid: outputs.pid,
      },
      inputs: { cloud: "local", accountName: "acctone", dataDir },
    });
  });

  it("delete stops the daemon and, with retainData false, removes the data directory", async () => {
    await provider.delete(dataDir, outputs);
    expect(processesMentioning(dataDir)).toEqual([]);
    expect(await healthy(outputs.endpoint)).toBe(false);
    expect(fs.existsSync(dataDir)).toBe(false);
    expect((await provider.read(dataDir, outputs)).id).toBeUndefined();
  });

  it("delete keeps the data directory by default (retainData true)", async () => {
    const kept = path.join(root, "kept");
    const created = await provider.create(await checked({ accountName: "keptacct", dataDir: kept }));
    await provider.delete(kept, created.outs!);
    expect(processesMentioning(kept)).toEqual([]);
    expect(fs.existsSync(path.join(kept, "account.json"))).toBe(true);
    expect(fs.existsSync(path.join(kept, "service.json"))).toBe(false);
  });
});
