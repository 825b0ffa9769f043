import path from "node:path";
import { defineConfig } from "vitest/config";

/** The suites that sync end to end through a fake Okta, run again with an OAuth service app. */
const SYNC_SUITES = "inngest/**/*.integration.test.ts";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    globalSetup: ["test-support/global-setup.ts"],
    reporters: ["default", "./test-support/summary-reporter.ts"],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { NEXT_TELEMETRY_DISABLED: "1", CHECKPOINT_DISABLE: "1" },
    projects: [
      {
        extends: true,
        test: {
          name: "api-token",
          include: ["{lib,inngest,emails,app,components,scripts}/**/*.test.{ts,tsx}"],
        },
      },
      {
        extends: true,
        test: {
          name: "service-app",
          include: [SYNC_SUITES],
          env: { OKTA_TEST_AUTH: "service-app" },
        },
      },
    ],
  },
});
