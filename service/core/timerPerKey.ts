/**
 * One timer per key (a job's wall-clock limit, a job schedule's next occurrence), set for an absolute
 * time. Waits longer than setTimeout allows (~24.8 days) are chained; a timer that fires before its
 * time by the clock (timers and `Date.now()` round differently) waits again. Timers do not keep the
 * process alive.
 */
const LONGEST_WAIT = 2 ** 31 - 1;

export class TimerPerKey {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly fire: (key: string) => void) {}

  /** Replaces the key's timer with one that fires at `time` (epoch ms; at once when past). */
  at(key: string, time: number): void {
    this.clear(key);
    const wait = Math.min(Math.max(time - Date.now(), 0), LONGEST_WAIT);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      if (time > Date.now()) this.at(key, time);
      else this.fire(key);
    }, wait);
    timer.unref();
    this.timers.set(key, timer);
  }

  clear(key: string): void {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
  }

  clearAll(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
