import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";

// The route as a server starts it: its modules (the Inngest client, the serve options) read the
// environment when first imported, so each test imports them afresh after setting it.
async function loadRoute() {
  vi.resetModules();
  return import("./route");
}
type Handler = Awaited<ReturnType<typeof loadRoute>>["GET"];

const call = (
  handler: Handler,
  method: string,
  url = "http://127.0.0.1:3000/api/inngest",
  init: RequestInit = {},
) => handler(new Request(url, { method, ...init }) as never, undefined);

const SIGNING_KEY = "signkey-prod-0123456789abcdef0123456789abcdef";

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe("/api/inngest", () => {
  it("refuses to serve in cloud mode without a signing key", async () => {
    vi.stubEnv("INNGEST_DEV", "");
    vi.stubEnv("INNGEST_SIGNING_KEY", "");
    expect((await call((await loadRoute()).GET, "GET")).status).toBe(500);
  });

  it("in cloud mode, answers only requests signed with INNGEST_SIGNING_KEY", async () => {
    vi.stubEnv("INNGEST_DEV", "");
    vi.stubEnv("INNGEST_SIGNING_KEY", SIGNING_KEY);
    expect((await call((await loadRoute()).GET, "GET")).status).toBe(401);
  });

  it("in dev mode (INNGEST_DEV), describes its functions", async () => {
    vi.stubEnv("INNGEST_DEV", "1");
    const res = await call((await loadRoute()).GET, "GET");
    expect(res.status).toBe(200);
    // user-sync/run, its failure handler, its cancel handler, user-sync/schedule.
    expect(await res.json()).toMatchObject({ mode: "dev", function_count: 4 });
  });
});

describe("/api/inngest under NODE_ENV=production", () => {
  it("refuses INNGEST_DEV without the override: nothing serves unsigned step calls", async () => {
    vi.stubEnv("NODE_ENV", "production");
    vi.stubEnv("INNGEST_DEV", "1");
    vi.stubEnv("INNGEST_SIGNING_KEY", "");
    vi.stubEnv("APP_URL", "https://dashboard.example.com");
    // Today's failure mode was a route that ran the step for anyone: the route must not load.
    const loaded = await loadRoute().then(
      async ({ POST }) =>
        (
          await call(
            POST,
            "POST",
            "http://127.0.0.1:3000/api/inngest?fnId=okta-workspace-user-sync-user-sync/schedule&stepId=step",
            {
              body: JSON.stringify({
                event: { name: "inngest/scheduled.timer", data: {} },
                steps: {},
                ctx: {},
                version: 2,
              }),
              headers: { "content-type": "application/json" },
            },
          )
        ).status,
      (error: Error) => error.message,
    );
    expect(loaded).toMatch(/INNGEST_DEV .*refused under NODE_ENV=production/);
  });

  it("with ALLOW_DEVELOPMENT_SWITCHES_IN_PRODUCTION=1, serves in dev mode and says so", async () => {
    vi.stubEnv("NODE_ENV", "production");
    vi.stubEnv("INNGEST_DEV", "1");
    vi.stubEnv("ALLOW_DEVELOPMENT_SWITCHES_IN_PRODUCTION", "1");
    vi.stubEnv("APP_URL", "https://dashboard.example.com");
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await call((await loadRoute()).GET, "GET");
    expect(await res.json()).toMatchObject({ mode: "dev" });
    expect(error).toHaveBeenCalledWith(expect.stringMatching(/SECURITY WARNING: INNGEST_DEV/));
  });

  it("with a signing key, refuses to start without a configured origin", async () => {
    vi.stubEnv("NODE_ENV", "production");
    vi.stubEnv("INNGEST_DEV", "");
    vi.stubEnv("INNGEST_SIGNING_KEY", SIGNING_KEY);
    vi.stubEnv("APP_URL", "");
    vi.stubEnv("INNGEST_SERVE_ORIGIN", "");
    await expect(loadRoute()).rejects.toThrow(/APP_URL/);
  });

  describe("an anonymous PUT with a forged Host", () => {
    let inngestApi: Server;
    const registrations: { url: string }[] = [];
    beforeAll(async () => {
      // Inngest's API, recording what the app registers.
      inngestApi = createServer((req, res) => {
        let body = "";
        req.on("data", (chunk: Buffer) => {
          body += chunk.toString();
        });
        req.on("end", () => {
          if (req.url?.startsWith("/fn/register")) registrations.push(JSON.parse(body) as { url: string });
          res.setHeader("content-type", "application/json");
          res.end(JSON.stringify({ status: 200, modified: true }));
        });
      });
      await new Promise<void>((resolve) => inngestApi.listen(0, "127.0.0.1", resolve));
    });
    afterAll(async () => {
      await new Promise((resolve) => inngestApi.close(resolve));
    });

    for (const [origin, env] of [
      ["https://dashboard.example.com", { APP_URL: "https://dashboard.example.com/" }],
      [
        "https://inngest-facing.example.com",
        {
          APP_URL: "https://dashboard.example.com",
          INNGEST_SERVE_ORIGIN: "https://inngest-facing.example.com",
        },
      ],
    ] as const) {
      it(`registers ${origin}/api/inngest, never the Host it was sent`, async () => {
        registrations.length = 0;
        vi.stubEnv("NODE_ENV", "production");
        vi.stubEnv("INNGEST_DEV", "");
        vi.stubEnv("INNGEST_SIGNING_KEY", SIGNING_KEY);
        vi.stubEnv("INNGEST_BASE_URL", `http://127.0.0.1:${(inngestApi.address() as AddressInfo).port}`);
        vi.stubEnv("INNGEST_SERVE_ORIGIN", "");
        for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
        const { PUT } = await loadRoute();
        const res = await call(PUT, "PUT", "http://evil.example/api/inngest", {
          headers: { host: "evil.example", "x-forwarded-host": "evil.example", "x-forwarded-proto": "http" },
        });
        expect(res.status).toBe(200);
        expect(registrations.map((r) => r.url)).toEqual([`${origin}/api/inngest`]);
      });
    }
  });
});
