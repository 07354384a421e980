/**
 * Retrying cloud API calls: throttling (HTTP 429, AWS `Throttling`/`RequestLimitExceeded`) and server
 * errors (5xx) are retried with capped exponential backoff and full jitter, so that many pools resizing
 * at once do not retry in lockstep; anything else fails at once. The clock is injected, so tests run
 * the whole schedule without sleeping.
 */

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** The backoff ceiling before the first retry; it doubles with each retry. */
  baseDelayMs: number;
  /** No wait is longer than this. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 1_000, maxDelayMs: 60_000 };

export interface RetryClock {
  sleep(ms: number): Promise<void>;
  /** In [0, 1). */
  random(): number;
}

export const realClock: RetryClock = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/** The wait before retry number `retry` (1 for the first): uniform in [0, min(max, base·2^(retry-1))]. */
export function backoffDelay(retry: number, policy: RetryPolicy, random: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random * ceiling);
}

/** Thrown when retries ran out: `cause` is the last error, `attempts` how many calls were made. */
export class RetriesExhausted extends Error {
  override readonly name = "RetriesExhausted";
  constructor(
    readonly attempts: number,
    override readonly cause: unknown,
  ) {
    super(`gave up after ${attempts} attempts: ${describeError(cause)}`);
  }
}

/**
 * Calls `operation` until it succeeds, retrying what `retryable` accepts as the policy allows. A
 * non-retryable error is rethrown as it is; running out of attempts throws `RetriesExhausted`.
 */
export async function withRetries<T>(
  operation: () => Promise<T>,
  retryable: (error: unknown) => boolean,
  options: { policy: RetryPolicy; clock: RetryClock; onRetry?: (error: unknown, delayMs: number) => void },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!retryable(error)) throw error;
      if (attempt >= options.policy.maxAttempts) throw new RetriesExhausted(attempt, error);
      const delayMs = backoffDelay(attempt, options.policy, options.clock.random());
      options.onRetry?.(error, delayMs);
      await options.clock.sleep(delayMs);
    }
  }
}

/** `Code: message` of an SDK error (Azure RestError, AWS ServiceException) or anything thrown. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const name = error.name !== "Error" ? error.name : undefined;
  const label = typeof code === "string" ? code : name;
  return label && !error.message.startsWith(label) ? `${label}: ${error.message}` : error.message;
}
