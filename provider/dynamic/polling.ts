/** Waiting on the service from a provider: poll until a condition holds, or fail saying what did not happen. */

const POLL_MS = 250;

/** Polls `probe` every 250 ms until it returns true; throws `failure` (read when it is thrown) after `timeoutMs`. */
export async function until(
  failure: string | (() => string),
  timeoutMs: number,
  probe: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(typeof failure === "string" ? failure : failure());
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
