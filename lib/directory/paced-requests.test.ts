import { describe, expect, it } from "vitest";
import { OktaConnectionError } from "@/lib/okta/errors";
import type { HttpResponse, Transport } from "@/lib/okta/transport";
import { type PacedRequest, PacedRequests, type PacingDefaults, type PacingOptions } from "./paced-requests";

const answer = (status: number): HttpResponse => ({ status, headers: {}, body: "" });

/** A transport that gives each attempt the next of `script` (an answer, or an error thrown). */
function harness(
  script: (HttpResponse | Error)[],
  options: PacingOptions = {},
  defaults: Partial<PacingDefaults> = {},
) {
  const sent: string[] = [];
  const slept: number[] = [];
  const next = async (method: string) => {
    sent.push(method);
    const step = script.shift();
    if (!step) throw new Error("the script ran out");
    if (step instanceof Error) throw step;
    return step;
  };
  const transport: Transport = { get: () => next("GET"), postForm: () => next("POST") };
  const paced = new PacedRequests(
    {
      random: () => 1,
      sleep: async (ms) => {
        slept.push(ms);
      },
      ...options,
    },
    { transport, maxRateLimitWaits: 2, maxWaitMs: 10_000, sharedLimits: "a test's", ...defaults },
  );
  return { paced, sent, slept };
}

const request = (overrides: Partial<PacedRequest> = {}): PacedRequest => ({
  url: new URL("https://directory.example/api"),
  headers: () => ({}),
  retryable: (error) => error instanceof OktaConnectionError && error.reason === "network",
  throttled: (response) => (response.status === 429 ? () => ({ ms: 1000 }) : null),
  ...overrides,
});

const refused = () => new Error("refused");

describe("PacedRequests", () => {
  it("retries network errors and 5xx with doubling backoff, up to maxRetries, then returns the answer", async () => {
    const network = new OktaConnectionError("network", "down");
    const { paced, sent, slept } = harness([network, answer(503), answer(500), answer(502)]);
    await expect(paced.send(request())).resolves.toMatchObject({ status: 502 });
    expect(slept).toEqual([500, 1000, 2000]);
    expect(sent).toHaveLength(4);
    expect(paced.requestCount).toBe(4);
    expect(paced.waitedMs).toBe(3500);
  });

  it("throws what no retry fixes at once, as `failure` makes it", async () => {
    const { paced, slept } = harness([new OktaConnectionError("dns", "no such host")]);
    const failure = (error: unknown) => new Error(`mapped: ${(error as Error).message}`);
    await expect(paced.send(request({ failure }))).rejects.toThrow("mapped: no such host");
    expect(slept).toEqual([]);
  });

  it("does not count token requests (a form POSTed)", async () => {
    const { paced, sent } = harness([answer(200)]);
    await paced.send(request({ form: new URLSearchParams({ grant_type: "x" }) }));
    expect(sent).toEqual(["POST"]);
    expect(paced.requestCount).toBe(0);
  });

  it("waits out maxRateLimitWaits throttled answers, then returns the next one as it is", async () => {
    const { paced, slept } = harness([answer(429), answer(429), answer(429)]);
    await expect(paced.send(request())).resolves.toMatchObject({ status: 429 });
    expect(slept).toEqual([1000, 1000]);
  });

  it("sends again at once after a renewal, without a wait", async () => {
    let renewals = 0;
    const renewed = (response: HttpResponse) => response.status === 401 && renewals++ === 0;
    const { paced, slept } = harness([answer(401), answer(200)]);
    await expect(paced.send(request({ renewed }))).resolves.toMatchObject({ status: 200 });
    expect(slept).toEqual([]);
  });

  it("refuses a wait the directory asks for past maxWaitMs or the budget, with the client's error", async () => {
    const asked = (ms: number) => () => ({ ms, refusal: refused });
    const long = harness([answer(429)]);
    await expect(long.paced.send(request({ throttled: () => asked(10_001) }))).rejects.toThrow("refused");
    const spent = harness([answer(429), answer(429)], { waitBudgetMs: 15_000 });
    await expect(spent.paced.send(request({ throttled: () => asked(8000) }))).rejects.toThrow("refused");
    expect(spent.slept).toEqual([8000]);
  });

  it("counts backoff against the budget only for a client that says so (`overBudget`)", async () => {
    const script = () => [answer(500), answer(500), answer(200)];
    const lenient = harness(script(), { waitBudgetMs: 1000 });
    await expect(lenient.paced.send(request())).resolves.toMatchObject({ status: 200 });
    const strict = harness(script(), { waitBudgetMs: 1000 }, { overBudget: () => new Error("over budget") });
    await expect(strict.paced.send(request())).rejects.toThrow("over budget");
    expect(strict.slept).toEqual([500]);
  });

  it("ends a wait as soon as the signal aborts, even with a sleep that ignores it", async () => {
    const controller = new AbortController();
    const { paced } = harness([answer(503)], {
      signal: controller.signal,
      sleep: () => new Promise(() => {}),
    });
    const sending = paced.send(request());
    setTimeout(() => controller.abort(new Error("cancelled")), 10);
    await expect(sending).rejects.toThrow("cancelled");
  });

  it("refuses a concurrency outside 1–4, naming whose limits are shared", () => {
    expect(() => harness([], { concurrency: 5 })).toThrow("concurrency must be 1 to 4: a test's");
  });
});
