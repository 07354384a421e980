/**
 * `<dataDir>/service.json`: a running account service writes it once it listens and removes it when it
 * stops cleanly, so that another process (the Pulumi `Account` resource, `openbatch service stop`) can
 * find, adopt or stop the service of a data directory. A file left by a killed service names a dead
 * pid: check `pid` is alive and `GET {endpoint}/openbatch/health` answers before trusting it.
 * Replicas of one account on PostgreSQL share a data directory, so each names itself in
 * `service-<port>.json` instead (docs/replicas.md).
 */
import fs from "node:fs";
import path from "node:path";
import Type, { type Static } from "typebox";
import { Value } from "typebox/value";

export const SERVICE_FILE = "service.json";

export const ServiceFile = Type.Object({
  pid: Type.Integer(),
  endpoint: Type.String(),
  accountName: Type.String(),
  startedAt: Type.String(),
});
export type ServiceFile = Static<typeof ServiceFile>;

/** The file a replica listening on `port` names itself in. */
export function replicaServiceFile(port: number | string): string {
  return `service-${port}.json`;
}

/** The service files in `dataDir`: `service.json` and the replicas' `service-<port>.json`, by name. */
export function serviceFilesIn(dataDir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dataDir);
  } catch {
    return [];
  }
  return names.filter((name) => name === SERVICE_FILE || /^service-\d+\.json$/.test(name)).sort();
}

export function writeServiceFile(dataDir: string, info: ServiceFile, name = SERVICE_FILE): void {
  const file = path.join(dataDir, name);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(info, null, 2));
  fs.renameSync(`${file}.tmp`, file);
}

/** The file's contents, or undefined when there is none (or it is not one we wrote). */
export function readServiceFile(dataDir: string, name = SERVICE_FILE): ServiceFile | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dataDir, name), "utf8");
  } catch {
    return undefined;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return Value.Check(ServiceFile, parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the file if it still names `pid` (a newer service on the same directory keeps its own). */
export function removeServiceFile(dataDir: string, pid: number, name = SERVICE_FILE): void {
  if (readServiceFile(dataDir, name)?.pid === pid) fs.rmSync(path.join(dataDir, name), { force: true });
}
