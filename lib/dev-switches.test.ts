import { afterEach, describe, expect, it, vi } from "vitest";
import { developmentSwitchOn } from "./dev-switches";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("developmentSwitchOn", () => {
  it("in development, is on when set and off when not", () => {
    const env = { NODE_ENV: "development" };
    expect(developmentSwitchOn("INNGEST_DEV", { ...env, INNGEST_DEV: "http://127.0.0.1:8288" })).toBe(true);
    expect(developmentSwitchOn("INNGEST_DEV", { ...env, INNGEST_DEV: "false" })).toBe(false);
    expect(developmentSwitchOn("INNGEST_DEV", env)).toBe(false);
    expect(
      developmentSwitchOn("OKTA_ALLOW_INSECURE_LOCALHOST", { ...env, OKTA_ALLOW_INSECURE_LOCALHOST: "yes" }),
    ).toBe(false);
  });

  it("in production, refuses a switch that is on, naming it and the override", () => {
    for (const name of ["INNGEST_DEV", "OKTA_ALLOW_INSECURE_LOCALHOST"] as const) {
      expect(() => developmentSwitchOn(name, { NODE_ENV: "production", [name]: "1" })).toThrow(
        new RegExp(`${name} .*refused under NODE_ENV=production.*ALLOW_DEVELOPMENT_SWITCHES_IN_PRODUCTION=1`),
      );
      // A switch that is off needs no override.
      expect(developmentSwitchOn(name, { NODE_ENV: "production" })).toBe(false);
    }
  });

  it("in production with the override, allows it and says so loudly, once", () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const env = { NODE_ENV: "production", INNGEST_DEV: "1", ALLOW_DEVELOPMENT_SWITCHES_IN_PRODUCTION: "1" };
    expect(developmentSwitchOn("INNGEST_DEV", env)).toBe(true);
    expect(developmentSwitchOn("INNGEST_DEV", env)).toBe(true);
    expect(error).toHaveBeenCalledOnce();
    expect(error).toHaveBeenCalledWith(
      expect.stringMatching(/^SECURITY WARNING: INNGEST_DEV is on in production/),
    );
    // Any other value of the override is no override.
    expect(() =>
      developmentSwitchOn("INNGEST_DEV", { ...env, ALLOW_DEVELOPMENT_SWITCHES_IN_PRODUCTION: "true" }),
    ).toThrow();
  });
});
