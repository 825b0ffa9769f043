import { setTimeout as delay } from "node:timers/promises";
import autocannon from "autocannon";
import { percentiles } from "./measure";

/**
 * Signs in as a member over HTTP the way a browser does (Auth.js credentials: the CSRF token and
 * its cookie, then the callback) and returns the Cookie header that carries the session.
 */
export async function signIn(appUrl: string, email: string, password: string): Promise<string> {
  const csrf = await fetch(`${appUrl}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const cookie of res.headers.getSetCookie()) {
      const [pair = ""] = cookie.split(";");
      const at = pair.indexOf("=");
      jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
  };
  keep(csrf);
  const cookieHeader = () => [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
  const res = await fetch(`${appUrl}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookieHeader() },
    body: new URLSearchParams({ email, password, csrfToken, callbackUrl: `${appUrl}/` }),
  });
  keep(res);
  if (![...jar.keys()].some((name) => name.endsWith("session-token")))
    throw new Error(`Sign-in as ${email} failed (${res.status})`);
  return cookieHeader();
}

export interface PageTiming {
  page: string;
  path: string;
  requests: number;
  medianMs: number;
  p95Ms: number;
  errors: number;
  bytes: number;
}

/**
 * Server response times of one page: `warmup` requests first (not counted), then `requests`
 * one after another on one keep-alive connection (autocannon), each one's time kept.
 */
export async function timePage(
  appUrl: string,
  page: string,
  path: string,
  cookie: string,
  requests: number,
  warmup = 5,
): Promise<PageTiming> {
  const run = (amount: number) =>
    new Promise<{ times: number[]; errors: number; bytes: number }>((resolve, reject) => {
      const times: number[] = [];
      let errors = 0;
      let bytes = 0;
      const instance = autocannon(
        { url: `${appUrl}${path}`, connections: 1, amount, headers: { cookie }, timeout: 30 },
        (error, result) => {
          if (error) reject(error);
          else resolve({ times, errors: errors + result.errors + result.timeouts, bytes });
        },
      );
      instance.on("response", (_client, status, resBytes, responseTime) => {
        if (status !== 200) errors++;
        bytes = resBytes;
        times.push(responseTime);
      });
    });
  await run(warmup);
  const { times, errors, bytes } = await run(requests);
  const { median, p95 } = percentiles(times);
  return { page, path, requests: times.length, medianMs: round(median), p95Ms: round(p95), errors, bytes };
}

const round = (ms: number) => Math.round(ms * 10) / 10;

export interface PageSample {
  /** When the request was sent (epoch ms). */
  at: number;
  ms: number;
  ok: boolean;
}

/**
 * A page timed the way an admin's browser loads it while other work goes on: one GET at a time,
 * `pauseMs` apart, each timed to its last byte, until `done` says so.
 */
export async function samplePage(
  appUrl: string,
  path: string,
  cookie: string,
  pauseMs: number,
  done: (samples: PageSample[]) => boolean,
): Promise<PageSample[]> {
  const samples: PageSample[] = [];
  while (!done(samples)) {
    const at = Date.now();
    const t0 = performance.now();
    let ok = false;
    try {
      const res = await fetch(`${appUrl}${path}`, { headers: { cookie }, redirect: "manual" });
      await res.arrayBuffer();
      ok = res.status === 200;
    } catch {
      // counted as an error
    }
    samples.push({ at, ms: performance.now() - t0, ok });
    await delay(pauseMs);
  }
  return samples;
}

/** Median, 95th percentile and maximum of the samples' times, and how many failed. */
export function sampleStats(samples: PageSample[]) {
  const times = samples.map((s) => s.ms);
  const { median, p95 } = percentiles(times);
  return {
    requests: samples.length,
    medianMs: round(median),
    p95Ms: round(p95),
    maxMs: round(Math.max(0, ...times)),
    errors: samples.filter((s) => !s.ok).length,
  };
}
