/**
 * Epoch milliseconds with sub-millisecond precision (`performance.timeOrigin + performance.now()`),
 * comparable between processes on one machine: the service and its agents stamp a task's dispatch
 * timeline with it, so latency can be split into service, transport and spawn time.
 */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}
