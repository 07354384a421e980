/** Wall-clock timestamps as Azure writes them. */
export function now(): string {
  return new Date().toISOString();
}
