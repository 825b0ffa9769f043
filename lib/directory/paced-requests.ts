import { setTimeout as delay } from "node:timers/promises";
import { type Clock, Semaphore, type Sleep } from "@/lib/okta/pacing";
import type { HttpResponse, Transport } from "@/lib/okta/transport";

/**
 * The request loop the directory clients (Okta, Entra ID, Google Workspace) share: a few requests
 * at once, each with a timeout, retried after 5xx answers, network errors and timeouts with
 * jittered doubling backoff, throttled answers waited out as the directory asks, within caps per
 * wait and in all so that a hostile answer cannot hold a sync, and everything ended at once by the
 * client's abort signal. What differs between directories stays in each client: how a throttled
 * answer says how long to wait, which errors a retry can fix, credentials renewed after a 401, and
 * how answers map to the client's own error classes.
 */

/** The request settings every directory client takes (its own defaults: `PacingDefaults`). */
export interface PacingOptions {
  /** Requests in flight at once, 1–4 (default 3). */
  concurrency?: number;
  timeoutMs?: number;
  /** Retries of 5xx answers, network errors and timeouts (default 3). */
  maxRetries?: number;
  /** Throttled answers waited out per request before the answer is returned as it is. */
  maxRateLimitWaits?: number;
  /** The longest single wait the directory may ask for; a longer one fails the request. */
  maxWaitMs?: number;
  /** All the waits of this client together (default 5 min). */
  waitBudgetMs?: number;
  /** Aborts requests and waits in progress; they reject with its reason. */
  signal?: AbortSignal;
  /** First retry delay; it doubles each retry, with jitter (default 500 ms). */
  backoffMs?: number;
  now?: Clock;
  sleep?: Sleep;
  random?: () => number;
}

export interface WaitCaps {
  maxWaitMs: number;
  waitBudgetMs: number;
}

/** The error, in the client's own class, for a wait the caps refuse. */
export type Refusal = (caps: WaitCaps) => Error;

export interface PacingDefaults {
  transport: Transport;
  maxRateLimitWaits: number;
  maxWaitMs: number;
  /** The longest backoff (default 30 s). */
  maxBackoffMs?: number;
  /** Why at most 4 requests at once, for the `concurrency` error: whose limits they share. */
  sharedLimits: string;
  /** Given, waits the directory did not ask for (backoff) count against the budget too, refused with it. */
  overBudget?: Refusal;
}

/** A wait before the next attempt; with `refusal`, the directory asked for it and the caps apply. */
export interface Wait {
  ms: number;
  refusal?: Refusal;
}

/** One request, and what the loop needs to know of its directory. */
export interface PacedRequest {
  url: URL;
  /** A token request's form, POSTed and not counted in `requestCount`; without it, a GET of the API. */
  form?: URLSearchParams;
  /** Each attempt's headers, asked anew (after a renewal, with the new credential). */
  headers(): Record<string, string> | Promise<Record<string, string>>;
  /** Retries of this request (default `maxRetries`). */
  maxRetries?: number;
  /** Rate-limit pacing: `take` is awaited before each attempt (outside its timeout), `record` sees each answer. */
  pacing?: { take(): Promise<void>; record(response: HttpResponse): void };
  /** The client's own error for what an attempt threw (the transport's errors are Okta's classes). */
  failure?(error: unknown): unknown;
  /** Whether a failed attempt (its error as `failure` made it) may be retried. */
  retryable(error: unknown): boolean;
  /** Whether to send again at once, without a wait or a retry spent (a credential renewed after a 401). */
  renewed?(response: HttpResponse): boolean;
  /** For a throttled answer, its wait after `waits` earlier ones of this request; null if not throttled. */
  throttled(response: HttpResponse): ((waits: number) => Wait) | null;
}

export class PacedRequests {
  readonly now: Clock;
  private readonly transport: Transport;
  private readonly slots: Semaphore;
  private readonly signal: AbortSignal | undefined;
  private readonly settings: Required<
    Omit<PacingOptions, "concurrency" | "signal"> & Pick<PacingDefaults, "maxBackoffMs">
  >;
  private readonly overBudget: Refusal | undefined;
  private requests = 0;
  private waited = 0;

  constructor(options: PacingOptions, defaults: PacingDefaults) {
    const concurrency = options.concurrency ?? 3;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 4) {
      throw new RangeError(`concurrency must be 1 to 4: ${defaults.sharedLimits}`);
    }
    const {
      timeoutMs = 30_000,
      maxRetries = 3,
      maxRateLimitWaits = defaults.maxRateLimitWaits,
      maxWaitMs = defaults.maxWaitMs,
      waitBudgetMs = 300_000,
      backoffMs = 500,
      now = Date.now,
      sleep = (ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal }),
      random = Math.random,
    } = options;
    const maxBackoffMs = defaults.maxBackoffMs ?? 30_000;
    this.settings = {
      timeoutMs,
      maxRetries,
      maxRateLimitWaits,
      maxWaitMs,
      waitBudgetMs,
      backoffMs,
      now,
      sleep,
      random,
      maxBackoffMs,
    };
    this.now = now;
    this.transport = defaults.transport;
    this.signal = options.signal;
    this.slots = new Semaphore(concurrency);
    this.overBudget = defaults.overBudget;
  }

  /** API requests sent so far, retries included (token requests are not among them). */
  get requestCount(): number {
    return this.requests;
  }

  /** Every wait so far (rate limits and backoff), in milliseconds. */
  get waitedMs(): number {
    return this.waited;
  }

  /** Runs `task` in one of the `concurrency` slots, queueing in order for one. */
  run<T>(task: () => Promise<T>): Promise<T> {
    return this.slots.run(task);
  }

  /** Sends the request until it has an answer worth returning, and returns that answer. */
  async send(request: PacedRequest): Promise<HttpResponse> {
    const { timeoutMs, maxRateLimitWaits } = this.settings;
    const maxRetries = request.maxRetries ?? this.settings.maxRetries;
    let failures = 0;
    let throttled = 0;
    for (;;) {
      this.signal?.throwIfAborted();
      await request.pacing?.take();
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = this.signal ? AbortSignal.any([timeout, this.signal]) : timeout;
      let response: HttpResponse;
      try {
        // Inside the retries: a token request failing for the network fails this request like its own.
        const headers = await request.headers();
        if (request.form) {
          response = await this.transport.postForm(request.url, headers, request.form, signal);
        } else {
          this.requests++;
          response = await this.transport.get(request.url, headers, signal);
        }
      } catch (thrown) {
        this.signal?.throwIfAborted();
        const error = request.failure ? request.failure(thrown) : thrown;
        if (!request.retryable(error) || failures >= maxRetries) throw error;
        await this.wait(this.backoff(failures++));
        continue;
      }
      request.pacing?.record(response);
      if (request.renewed?.(response)) continue;
      const throttle = request.throttled(response);
      if (throttle && throttled < maxRateLimitWaits) {
        const wait = throttle(throttled++);
        await this.wait(wait.ms, wait.refusal);
      } else if (response.status >= 500 && failures < maxRetries) {
        await this.wait(this.backoff(failures++));
      } else {
        return response;
      }
    }
  }

  /**
   * Every wait of the client. One the directory asked for (`refusal`) is capped, per wait and in
   * all, so a hostile answer cannot hold a sync; any wait ends at once when the signal aborts.
   */
  async wait(ms: number, refusal?: Refusal): Promise<void> {
    const { maxWaitMs, waitBudgetMs, sleep } = this.settings;
    const overBudget = this.waited + ms > waitBudgetMs;
    if (refusal && (ms > maxWaitMs || overBudget)) throw refusal({ maxWaitMs, waitBudgetMs });
    if (this.overBudget && overBudget) throw this.overBudget({ maxWaitMs, waitBudgetMs });
    this.waited += ms;
    const signal = this.signal;
    if (!signal) return sleep(ms);
    signal.throwIfAborted();
    // Also for a sleep that ignores the signal (an injected one).
    let onAbort = () => {};
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      await Promise.race([sleep(ms, signal), aborted]);
    } catch (error) {
      signal.throwIfAborted();
      throw error;
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  /** Jittered doubling: `base` × 2^attempt, at most `maxBackoffMs`, then × [0.5, 1). */
  backoff(attempt: number, base = this.settings.backoffMs): number {
    const { maxBackoffMs, random } = this.settings;
    return Math.min(maxBackoffMs, base * 2 ** attempt) * (0.5 + random() / 2);
  }
}
