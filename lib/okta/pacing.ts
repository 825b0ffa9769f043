import type { IncomingHttpHeaders } from "node:http";

/**
 * Okta's rate limits are per org and per endpoint family, shared with every other integration
 * of the customer. The client therefore spends at most `1 - reserveShare` of each minute's budget
 * and waits for the reset beyond that. Reset instants are read against the response's `Date`
 * header, never the local clock, which may be skewed from Okta's.
 */

/**
 * The share left by default: enough for the org's other integrations to keep working while a sync
 * runs (60 of Okta's 600 user requests a minute), while the sync still moves at 90% of Okta's pace.
 * The budget is read from each response's `Remaining`, which already counts what others spent.
 */
export const DEFAULT_RESERVE_SHARE = 0.1;

export type Clock = () => number;
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;
/** Waits `ms` for Okta's reset at `until` (on Okta's clock); may refuse (see `OktaClient`). */
export type Wait = (ms: number, until: Date) => Promise<void>;

/**
 * Okta counts `/api/v1/users…`, `/api/v1/groups…`, the System Log (`/api/v1/logs`, a lower
 * limit: 20–120 a minute) and the rest against separate limits.
 */
export const endpointFamily = (pathname: string) =>
  /^\/api\/v1\/(users|groups|logs)(\/|$)/.exec(pathname)?.[1] ?? "other";

interface Budget {
  limit: number;
  remaining: number;
  /** On the local clock. */
  resetAt: number;
  /** On Okta's. */
  oktaResetAt: Date;
}

const header = (headers: IncomingHttpHeaders, name: string) => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** Okta's reset instant (on its clock) and the milliseconds to it from the response, per its own `Date`; null without the headers. */
export function untilReset(headers: IncomingHttpHeaders): { ms: number; at: Date } | null {
  const reset = Number(header(headers, "x-rate-limit-reset"));
  const date = Date.parse(header(headers, "date") ?? "");
  if (!Number.isFinite(reset) || !reset || Number.isNaN(date)) return null;
  return { ms: Math.max(0, reset * 1000 - date), at: new Date(reset * 1000) };
}

export class RateLimitPacer {
  private readonly budgets = new Map<string, Budget>();

  constructor(
    private readonly reserveShare: number,
    private readonly now: Clock,
    private readonly wait: Wait,
  ) {}

  /** Waits until a request on `family` leaves the reserve untouched, and counts it as spent. */
  async take(family: string): Promise<void> {
    for (;;) {
      const budget = this.budgets.get(family);
      if (!budget) return;
      const now = this.now();
      if (now >= budget.resetAt) budget.remaining = budget.limit;
      // A limit too small to keep a reserve still allows one request a window (else it never would).
      const reserve = Math.min(this.reserveShare * budget.limit, budget.limit - 1);
      if (budget.remaining - 1 >= reserve) {
        budget.remaining--;
        return;
      }
      await this.wait(budget.resetAt - now + 1000, budget.oktaResetAt);
    }
  }

  /** Each family's budget as Okta's last answer on it told: its limit and what is left of it. */
  left(): Record<string, { limit: number; remaining: number }> {
    return Object.fromEntries(
      [...this.budgets].map(([family, { limit, remaining }]) => [family, { limit, remaining }]),
    );
  }

  /** Learns the budget from a response's `X-Rate-Limit-*` headers, received at `receivedAt`. */
  record(family: string, headers: IncomingHttpHeaders, receivedAt: number): void {
    const limit = Number(header(headers, "x-rate-limit-limit"));
    const remaining = Number(header(headers, "x-rate-limit-remaining"));
    const reset = untilReset(headers);
    if (!Number.isFinite(limit) || !Number.isFinite(remaining) || reset === null || limit <= 0) return;
    this.budgets.set(family, { limit, remaining, resetAt: receivedAt + reset.ms, oktaResetAt: reset.at });
  }
}

/** At most `size` holders at once; the others queue in order. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
