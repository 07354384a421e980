/**
 * The demo's work: count the primes below `ranges * size`, one task per range of `size` numbers, by
 * trial division in awk. The tasks' counts must add up to what a sieve computes here, in-process.
 */
import type { TaskAddParameter } from "../../protocol/rest/task.js";

export interface PrimeRange {
  taskId: string;
  /** Inclusive. */
  lo: number;
  /** Exclusive. */
  hi: number;
}

/** `count` disjoint ranges of `size` numbers covering [0, count * size). */
export function primeRanges(count: number, size: number): PrimeRange[] {
  return Array.from({ length: count }, (_, i) => ({
    taskId: `primes-${String(i).padStart(2, "0")}`,
    lo: i * size,
    hi: (i + 1) * size,
  }));
}

/** Trial division by odd numbers up to √n; prints `<lo> <hi> <count>` (no quotes needed in the command line). */
const AWK_PROGRAM =
  "BEGIN { c = 0; for (n = lo; n < hi; n++) { if (n < 2) continue; if (n % 2 == 0) { c += (n == 2); continue; }; " +
  "p = 1; for (d = 3; d * d <= n; d += 2) if (n % d == 0) { p = 0; break; }; c += p; }; print lo, hi, c; }";

/**
 * Tasks run without a shell, as on Azure Batch, so the command line asks for one. The task first shows
 * the file its node's start task wrote (and fails if it is missing), then counts its range.
 */
export function primeTask(range: PrimeRange): TaskAddParameter {
  return {
    id: range.taskId,
    displayName: `primes in [${range.lo}, ${range.hi})`,
    commandLine:
      `/bin/sh -c "cat $AZ_BATCH_NODE_SHARED_DIR/ready.txt && ` +
      `awk -v lo=${range.lo} -v hi=${range.hi} '${AWK_PROGRAM}'"`,
  };
}

/** The count a task printed for its range, or undefined if its stdout does not hold one. */
export function parsePrimeCount(stdout: string, range: PrimeRange): number | undefined {
  for (const line of stdout.split("\n")) {
    const match = /^(\d+) (\d+) (\d+)$/.exec(line.trim());
    if (match && Number(match[1]) === range.lo && Number(match[2]) === range.hi) return Number(match[3]);
  }
  return undefined;
}

/** The number of primes below `limit`, by the sieve of Eratosthenes. */
export function countPrimesBelow(limit: number): number {
  const composite = new Uint8Array(limit);
  let count = 0;
  for (let n = 2; n < limit; n++) {
    if (composite[n]) continue;
    count++;
    for (let m = n * n; m < limit; m += n) composite[m] = 1;
  }
  return count;
}
