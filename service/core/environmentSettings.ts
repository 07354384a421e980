/** Azure's `environmentSettings` lists → the environment a dispatch carries; later lists win. */
import type { EnvironmentSetting } from "../../protocol/rest/common.js";

export function environmentFrom(
  ...lists: (readonly EnvironmentSetting[] | undefined)[]
): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const list of lists) for (const s of list ?? []) environment[s.name] = s.value ?? "";
  return environment;
}
