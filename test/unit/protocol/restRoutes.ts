/**
 * The REST operations the service registers, read from the fastify instance that
 * service/api/server.ts builds (over a temporary SQLite store; it never listens), as its `onRoute`
 * option reports them while they are registered (fastify's `printRoutes` tree is lossy: it prints
 * `/jobschedules` as `chedules` under `/jobs`), in the form the reference documents them:
 * `GET /pools/{poolId}/nodes/{nodeId}/files/{filePath}`.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { AgentBundle } from "../../../service/agentBundle/agentBundle.js";
import { createRestApi } from "../../../service/api/server.js";
import { Account } from "../../../service/core/account.js";
import { AgentGateway } from "../../../service/gateway/gateway.js";
import { ExternalMachines } from "../../../service/provisioners/external.js";
import { SqliteStore } from "../../../service/store/sqlite.js";

export async function registeredOperations(): Promise<string[]> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "openbatch-reference-"));
  const store = new SqliteStore(path.join(dataDir, "account.db"));
  const log = () => {};
  const gateway = new AgentGateway(log);
  const machines = new ExternalMachines({ dataDir, serviceUrl: () => "", nodeLink: gateway, log });
  const config = {
    accountName: "reference",
    accountKey: Buffer.alloc(32).toString("base64"),
    endpoint: "",
    heartbeatIntervalMs: 5_000,
    terminateGraceMs: 5_000,
    minimumScheduleIntervalMs: 60_000,
    storageDirectory: path.join(dataDir, "storage"),
    applicationsDirectory: path.join(dataDir, "applications"),
  };
  const routes: string[] = [];
  const app = createRestApi(new Account(store, config, gateway, machines), {
    accountName: config.accountName,
    accountKey: config.accountKey,
    log,
    agentBundle: new AgentBundle(dataDir, dataDir),
    onRoute: ({ method, url }) => {
      for (const each of [method].flat()) routes.push(`${each} ${documentedPath(url)}`);
    },
  });
  try {
    await app.ready();
    return routes;
  } finally {
    await app.close();
    await store.flush();
    store.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * `/jobs/:jobId/tasks/:taskId/files/*` → `/jobs/{jobId}/tasks/{taskId}/files/{filePath}`; a
 * certificate's OData key, routed as one parameter (`/certificates:key`), as Azure spells it.
 */
function documentedPath(url: string): string {
  return url
    .replace(
      "/certificates:key",
      "/certificates(thumbprintAlgorithm={thumbprintAlgorithm},thumbprint={thumbprint})",
    )
    .replace(/:(\w+)/g, "{$1}")
    .replace(/\/\*$/, "/{filePath}");
}
