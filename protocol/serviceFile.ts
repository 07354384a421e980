/**
 * `<dataDir>/service.json`: a running account service writes it once it listens and removes it when it
 * stops cleanly, so that another process (the Pulumi `Account` resource, `openbatch service stop`) can
 * find, adopt or stop the service of a data directory. A file left by a killed service names a dead
 * pid: check `pid` is alive and `GET {endpoint}/openbatch/health` answers before trusting it.
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

export function writeServiceFile(dataDir: string, info: ServiceFile): void {
  const file = path.join(dataDir, SERVICE_FILE);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(info, null, 2));
  fs.renameSync(`${file}.tmp`, file);
}

/** The file's contents, or undefined when there is none (or it is not one we wrote). */
export function readServiceFile(dataDir: string): ServiceFile | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dataDir, SERVICE_FILE), "utf8");
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
export function removeServiceFile(dataDir: string, pid: number): void {
  if (readServiceFile(dataDir)?.pid === pid) fs.rmSync(path.join(dataDir, SERVICE_FILE), { force: true });
}
