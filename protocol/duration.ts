/** ISO 8601 durations as the Azure Batch REST API writes them (constraints, intervals, statistics). */
const durationPattern =
  /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Milliseconds of an ISO 8601 duration such as `PT1H30M` or `P1DT2S`; `undefined` when it is not one. */
export function parseDuration(text: string): number | undefined {
  const m = durationPattern.exec(text);
  if (!m || text === "P" || text.endsWith("T")) return undefined;
  const [weeks, days, hours, minutes, seconds] = m.slice(1).map((v) => (v ? Number(v) : 0));
  return Math.round(((((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000);
}

/** An ISO 8601 duration for `ms` milliseconds, as Azure writes them: `PT1H2M3.5S`, `PT0S`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms)) / 1000;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = Number((total % 60).toFixed(3));
  const parts = `${hours ? `${hours}H` : ""}${minutes ? `${minutes}M` : ""}${seconds || (!hours && !minutes) ? `${seconds}S` : ""}`;
  return `PT${parts}`;
}
