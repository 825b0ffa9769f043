import { afterEach, describe, expect, it, vi } from "vitest";
import { redactSecrets } from "./redact";

afterEach(() => vi.unstubAllEnvs());

describe("redactSecrets", () => {
  it("removes Okta SSWS tokens, bearer tokens, Resend keys and the configured key", () => {
    vi.stubEnv("RESEND_API_KEY", "custom-key-value");
    const text = redactSecrets(
      "GET failed with Authorization: SSWS 00aBcD-token_1; Bearer eyJhbGciOi.x.y re_AbCdEf123456 custom-key-value",
    );
    expect(text).toBe(
      "GET failed with Authorization: SSWS [redacted]; Bearer [redacted] [redacted] [redacted]",
    );
  });

  it("leaves ordinary text alone", () => {
    expect(redactSecrets("No value for the unique field Email.")).toBe(
      "No value for the unique field Email.",
    );
  });
});
