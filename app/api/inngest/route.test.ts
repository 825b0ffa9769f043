import { afterEach, describe, expect, it, vi } from "vitest";
import { GET } from "./route";

// The same route in each setup: cloud mode by default (keys required), dev mode with INNGEST_DEV.
const call = (handler: typeof GET, method: string) =>
  handler(new Request("http://127.0.0.1:3000/api/inngest", { method }) as never, undefined);

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("/api/inngest", () => {
  it("refuses to serve in cloud mode without a signing key", async () => {
    vi.stubEnv("INNGEST_DEV", "");
    vi.stubEnv("INNGEST_SIGNING_KEY", "");
    expect((await call(GET, "GET")).status).toBe(500);
  });

  it("in cloud mode, answers only requests signed with INNGEST_SIGNING_KEY", async () => {
    vi.stubEnv("INNGEST_DEV", "");
    vi.stubEnv("INNGEST_SIGNING_KEY", "signkey-prod-0123456789abcdef0123456789abcdef");
    expect((await call(GET, "GET")).status).toBe(401);
  });

  it("in dev mode (INNGEST_DEV), describes its functions", async () => {
    vi.stubEnv("INNGEST_DEV", "1");
    const res = await call(GET, "GET");
    expect(res.status).toBe(200);
    // user-sync/run, its failure handler, user-sync/schedule.
    expect(await res.json()).toMatchObject({ mode: "dev", function_count: 3 });
  });
});
