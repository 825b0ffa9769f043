import { describe, expect, it } from "vitest";
import { secretScrubber } from "@/lib/okta/errors";
import { leakedFromError } from "@/lib/okta/testing";
import { EntraApiError, EntraAuthError, graphError, tokenRefusal } from "./errors";

const SECRET = "Hostile~Secret.with+plus/slash=0123";
const scrub = secretScrubber(SECRET);
const identity = (codes: number[], description: string, error = "invalid_client") =>
  JSON.stringify({
    error,
    error_description: `AADSTS${codes[0]}: ${description}\r\nTrace ID: 0b6f0c55-2d35-4d4c-9f2a-7a4c3c1c0000\r\nCorrelation ID: x\r\nTimestamp: 2026-01-01 00:00:00Z`,
    error_codes: codes,
    trace_id: "0b6f0c55-2d35-4d4c-9f2a-7a4c3c1c0000",
  });

describe("tokenRefusal", () => {
  it.each([
    [[90002], "tenantId", "unknown_tenant"],
    [[900023], "tenantId", "unknown_tenant"],
    [[700016], "clientId", "unknown_client"],
    [[7000215], "clientSecret", "wrong_secret"],
    [[7000222], "clientSecret", "expired_secret"],
    [[50058, 7000222], "clientSecret", "expired_secret"],
    [[65001], "clientId", "refused"],
  ] as const)("maps AADSTS %o to the %s field", (codes, field, reason) => {
    const error = tokenRefusal(400, identity([...codes], "Something."), "/t/oauth2/v2.0/token", scrub);
    expect(error).toBeInstanceOf(EntraAuthError);
    expect(error).toMatchObject({ field, reason, permanent: true });
    expect(error.message).toContain("trace id 0b6f0c55-2d35-4d4c-9f2a-7a4c3c1c0000");
  });

  it("quotes the description's first sentence scrubbed, on one line, without the trace lines", () => {
    const description = `Bad secret ${SECRET} and ${encodeURIComponent(SECRET)} \u202e${Buffer.from(SECRET).toString("base64")}`;
    const error = tokenRefusal(
      401,
      identity([7000215], description, `invalid_client ${SECRET}`),
      "/t",
      scrub,
    );
    // The bidi control is gone; base64 keeps at most its last two bytes readable (see secretScrubber).
    expect(error.message).toMatch(
      /: "Bad secret \[redacted\] and \[redacted\] {2}\[redacted\][\w=]{0,4}"\)\.$/,
    );
    expect(error.message).not.toMatch(/Correlation|HTTP 401 invalid_client/);
    expect(leakedFromError(error, SECRET)).toEqual([]);
  });

  it("leaves throttling, failures and other formats to the status", () => {
    for (const [status, body] of [
      [429, identity([50196], "Too many")],
      [503, "<html>down</html>"],
      [400, "not json"],
    ] as const) {
      const error = tokenRefusal(status, body, "/t", scrub);
      expect(error).toBeInstanceOf(EntraApiError);
      expect(error).toMatchObject({ status, method: "POST" });
    }
  });
});

describe("graphError", () => {
  it("keeps a code and request id only when they look like Graph's", () => {
    const body = (code: string, requestId: string) =>
      JSON.stringify({ error: { code, message: SECRET, innerError: { "request-id": requestId } } });
    expect(
      graphError(body("Request_ResourceNotFound", "7a0b0e7e-1111-4111-8111-111111111111"), scrub),
    ).toEqual({
      code: "Request_ResourceNotFound",
      requestId: "7a0b0e7e-1111-4111-8111-111111111111",
    });
    expect(graphError(body(`Denied ${SECRET}`, SECRET), scrub)).toEqual({ code: null, requestId: null });
    expect(
      graphError(body(SECRET.replace(/[^\w]/g, ""), "x"), secretScrubber(SECRET.replace(/[^\w]/g, ""))),
    ).toEqual({
      code: null,
      requestId: null,
    });
    expect(graphError("<html/>", scrub)).toEqual({ code: null, requestId: null });
  });
});
