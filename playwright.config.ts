import { createServer } from "node:net";
import { defineConfig, devices } from "@playwright/test";

/** A port the OS says is free now. */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === "object" && address ? address.port : 0;
}

// Ports are shared with other processes on the machine: the app, its demo Okta and its Inngest
// runner take free ones unless set. Set here, in the runner's process, so workers inherit them.
process.env.E2E_PORT ??= String(await freePort());
process.env.E2E_OKTA_PORT ??= String(await freePort());
process.env.E2E_RUNNER_PORT ??= String(await freePort());
const port = Number(process.env.E2E_PORT);
export const baseURL = `http://localhost:${port}`;

export default defineConfig({
  testDir: "e2e",
  outputDir: "e2e/.output/results",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"], ["./e2e/support/summary-reporter.ts"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    },
  },
  projects: [
    { name: "pages", testIgnore: /user-sync-story/, use: { ...devices["Desktop Chrome"] } },
    // The story changes the organization's data, so it runs after the specs that read fixtures.
    {
      name: "story",
      testMatch: /user-sync-story/,
      dependencies: ["pages"],
      use: { ...devices["Desktop Chrome"] },
    },
  ],
  webServer: {
    command: "tsx e2e/support/serve.ts",
    url: `${baseURL}/sign-in`,
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      E2E_PORT: String(port),
      E2E_OKTA_PORT: String(process.env.E2E_OKTA_PORT),
      E2E_RUNNER_PORT: String(process.env.E2E_RUNNER_PORT),
    },
  },
});
