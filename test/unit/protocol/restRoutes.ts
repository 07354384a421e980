/**
 * The REST operations the service registers, read from the fastify instance that
 * service/api/server.ts builds (over a temporary SQLite store; it never listens), in the form the
 * reference documents them: `GET /pools/{poolId}/nodes/{nodeId}/files/{filePath}`.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { FastifyInstance } from "fastify";
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
  };
  const app = createRestApi(new Account(store, config, gateway, machines), {
    accountName: config.accountName,
    accountKey: config.accountKey,
    log,
  });
  try {
    await app.ready();
    return routesOf(app).map(({ method, url }) => `${method} ${documentedPath(url)}`);
  } finally {
    await app.close();
    await store.flush();
    store.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * fastify has no list of its routes, only `printRoutes`' tree (`├── /pools (POST, GET)`, one level per
 * 4 columns). Each route read from it is checked with `hasRoute`, so a misread tree fails loudly.
 */
function routesOf(app: FastifyInstance): { method: string; url: string }[] {
  const routes: { method: string; url: string }[] = [];
  const segments: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split("\n")) {
    const at = line.search(/[├└]── /);
    if (at < 0) continue;
    const match = /^(.*) \(([^)]*)\)$/.exec(line.slice(at + 4));
    if (!match) throw new Error(`cannot read the route line '${line}' of fastify's printRoutes`);
    const [, segment, methods] = match as unknown as [string, string, string];
    segments.length = at / 4;
    segments.push(segment.startsWith("/") ? segment : `/${segment}`);
    const url = segments.join("");
    for (const method of methods.split(", ").filter((m) => m !== "-")) {
      if (!app.hasRoute({ method: method as "GET", url })) {
        throw new Error(`read ${method} ${url} from fastify's printRoutes, but hasRoute does not know it`);
      }
      routes.push({ method, url });
    }
  }
  return routes;
}

/** `/jobs/:jobId/tasks/:taskId/files/*` → `/jobs/{jobId}/tasks/{taskId}/files/{filePath}`. */
function documentedPath(url: string): string {
  return url.replace(/:(\w+)/g, "{$1}").replace(/\/\*$/, "/{filePath}");
}
