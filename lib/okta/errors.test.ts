import { describe, expect, it } from "vitest";
import {
  OktaApiError,
  OktaConnectionError,
  OktaResponseError,
  OktaWaitRefusedError,
  retryCannotFix,
} from "./errors";

const api = (status: number) => new OktaApiError(status, null, "summary", null, "/api/v1/users");
const caps = { maxWaitMs: 90_000, waitBudgetMs: 300_000 };

describe("retryCannotFix", () => {
  it("is true for what no retry can fix: the token, an org or resource that does not exist, a redirect, DNS, TLS", () => {
    const permanent = [
      api(401),
      api(403),
      api(404),
      new OktaResponseError("redirect", "redirect"),
      new OktaConnectionError("dns", "not found"),
      new OktaConnectionError("tls", "bad certificate"),
      new OktaConnectionError("blocked_address", "private"),
      new OktaWaitRefusedError(new Date(Date.now() + 20 * 86_400_000), caps),
    ];
    expect(permanent.filter((error) => !retryCannotFix(error)).map(String)).toEqual([]);
  });

  it("is false for what a retry may fix: rate limits, Okta failing, the network, a garbled page", () => {
    const transient = [
      api(429),
      api(500),
      api(503),
      new OktaConnectionError("network", "reset"),
      new OktaConnectionError("timeout", "slow"),
      new OktaResponseError("malformed", "bad json"),
      new Error("the database went away"),
    ];
    expect(transient.filter((error) => retryCannotFix(error))).toEqual([]);
  });
});
