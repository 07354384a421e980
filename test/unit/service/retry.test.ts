import { describe, expect, it } from "vitest";
import {
  backoffDelay,
  describeError,
  RetriesExhausted,
  type RetryClock,
  withRetries,
} from "../../../service/provisioners/retry.js";

const policy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 250 };

/** A clock that never waits: it records the waits asked for, and draws `random` from a list. */
function recordingClock(randoms: number[] = [0.5]): RetryClock & { waits: number[] } {
  const waits: number[] = [];
  let i = 0;
  return {
    waits,
    sleep: async (ms) => {
      waits.push(ms);
    },
    random: () => randoms[i++ % randoms.length]!,
  };
}

const throttled = Object.assign(new Error("slow down"), { statusCode: 429 });
const retryable = (error: unknown) => (error as { statusCode?: number }).statusCode === 429;

describe("backoffDelay", () => {
  it("doubles its ceiling with each retry, up to the cap, and jitters below it", () => {
    expect([1, 2, 3, 4].map((retry) => backoffDelay(retry, policy, 0.999999))).toEqual([99, 199, 249, 249]);
    expect(backoffDelay(3, policy, 0)).toBe(0);
    expect(backoffDelay(2, policy, 0.5)).toBe(100);
  });
});

describe("withRetries", () => {
  it("retries retryable errors, waiting the jittered backoff, until the call succeeds", async () => {
    const clock = recordingClock([1 - 1e-9, 0.5]);
    let calls = 0;
    const retried: number[] = [];
    const result = await withRetries(
      async () => {
        calls++;
        if (calls < 3) throw throttled;
        return "done";
      },
      retryable,
      { policy, clock, onRetry: (_error, delayMs) => retried.push(delayMs) },
    );
    expect(result).toBe("done");
    expect(calls).toBe(3);
    expect(clock.waits).toEqual([99, 100]);
    expect(retried).toEqual(clock.waits);
  });

  it("rethrows a non-retryable error at once", async () => {
    const clock = recordingClock();
    let calls = 0;
    const denied = Object.assign(new Error("no"), { statusCode: 403 });
    await expect(
      withRetries(
        async () => {
          calls++;
          throw denied;
        },
        retryable,
        { policy, clock },
      ),
    ).rejects.toBe(denied);
    expect(calls).toBe(1);
    expect(clock.waits).toEqual([]);
  });

  it("gives up after maxAttempts with the last error as the cause", async () => {
    const clock = recordingClock();
    let calls = 0;
    const failure = await withRetries(
      async () => {
        calls++;
        throw throttled;
      },
      retryable,
      { policy, clock },
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RetriesExhausted);
    expect((failure as RetriesExhausted).attempts).toBe(4);
    expect((failure as RetriesExhausted).cause).toBe(throttled);
    expect(calls).toBe(4);
    expect(clock.waits).toHaveLength(3);
  });
});

describe("describeError", () => {
  it("puts the SDK's code or error name before the message", () => {
    expect(describeError(Object.assign(new Error("denied"), { code: "AuthorizationFailed" }))).toBe(
      "AuthorizationFailed: denied",
    );
    const aws = new Error("Rate exceeded");
    aws.name = "Throttling";
    expect(describeError(aws)).toBe("Throttling: Rate exceeded");
    expect(describeError(new Error("plain"))).toBe("plain");
    expect(describeError("text")).toBe("text");
  });
});
