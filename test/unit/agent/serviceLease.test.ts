/** The agent's service lease: dated from when the answered message was sent, it runs out before the service requeues. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ServiceLease } from "../../../agent/serviceLease.js";

describe("ServiceLease", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(10_000);
  });
  afterEach(() => vi.useRealTimers());

  it("never runs out while the service never requeues", () => {
    const expired = vi.fn();
    const lease = new ServiceLease(expired);
    lease.configure(undefined, 5000);
    vi.advanceTimersByTime(3_600_000);
    expect(expired).not.toHaveBeenCalled();
    expect(lease.expired).toBe(false);
    expect(lease.expiresAt).toBeNull();
  });

  it("runs out the kill grace before nodeLostAfterMs after the last answered send, once per renewal", () => {
    const expired = vi.fn();
    const lease = new ServiceLease(expired);
    lease.renew(10_000);
    lease.configure(4000, 5000); // grace: at most half of it
    expect(lease.graceMs).toBe(2000);
    expect(lease.expiresAt).toBe(12_000);
    vi.advanceTimersByTime(1500);
    lease.renew(11_000); // an ack of a heartbeat sent at 11 000
    vi.advanceTimersByTime(1000); // 12 500: the old expiry passed
    expect(expired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(500); // 13 000
    expect(expired).toHaveBeenCalledTimes(1);
    expect(lease.expired).toBe(true);
    vi.advanceTimersByTime(10_000);
    expect(expired).toHaveBeenCalledTimes(1);
    lease.renew(5000); // a late answer to an older message cannot extend it
    expect(lease.expired).toBe(true);
    lease.renew(23_000);
    expect(lease.expired).toBe(false);
    vi.advanceTimersByTime(3000);
    expect(expired).toHaveBeenCalledTimes(2);
    lease.stop();
  });
});
