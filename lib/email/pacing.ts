const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Spaces calls at least `intervalMs` apart, for every caller in the process, and can hold them
 * all until a time (a 429's `retry-after`). Callers take turns, and each gap is measured from
 * when the previous caller actually went, so a late timer cannot squeeze two calls together.
 * Resend allows 2 requests per second by default.
 */
export class Pacer {
  private lastCall = Number.NEGATIVE_INFINITY;
  private pausedUntil = 0;
  private turns: Promise<void> = Promise.resolve();

  constructor(private readonly intervalMs: number) {}

  /** Resolves when the caller may make its request. */
  wait(): Promise<void> {
    const turn = this.turns.then(async () => {
      const delay = Math.max(this.lastCall + this.intervalMs, this.pausedUntil) - Date.now();
      if (delay > 0) await sleep(delay);
      this.lastCall = Date.now();
    });
    this.turns = turn;
    return turn;
  }

  pauseUntil(time: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, time);
  }
}

/** `retry-after` in seconds or as an HTTP date, bounded so one answer cannot stall a step. */
export function retryAfterMs(
  value: string | undefined,
  { fallbackMs = 1_000, maxMs = 30_000, now = Date.now() } = {},
): number {
  if (!value) return fallbackMs;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1_000 : Date.parse(value) - now;
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), maxMs) : fallbackMs;
}
