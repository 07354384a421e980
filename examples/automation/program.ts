/** The inline program examples/automation runs: examples/local's resources, settings from the stack's config. */
import { localBatch, settingsFromConfig } from "../local/resources.js";

export async function inlineProgram() {
  return localBatch(settingsFromConfig());
}
