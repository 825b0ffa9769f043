// The server Playwright tests: a production build (`next start`) on a database of its own,
// migrated and seeded here before the app starts — a fresh PostgreSQL database
// `<DATABASE_URL>_e2e` in CI, or a fresh embedded PGlite directory.
import { rmSync } from "node:fs";
import path from "node:path";
import { createDb, type Db, prepareEmbeddedDatabase } from "@/lib/db";
import { seedDemo } from "@/lib/seed";
import { localEnvironment } from "@/scripts/local-env";
import { startLocalStack, stopOnSignals } from "@/scripts/local-stack";
import { freshPostgres } from "@/test-support/postgres";
import { DEMO_OKTA, DEMO_OKTA_PORT, DEMO_OKTA_TOKEN } from "./demo-okta";
import { seedDirectoryFixtures } from "./directory-fixtures";
import { prepareEmailFixtures } from "./fixtures";

const port = Number(process.env.E2E_PORT ?? 3100);

async function prepare(db: Db): Promise<void> {
  await seedDemo(db);
  await seedDirectoryFixtures(db);
  await prepareEmailFixtures(db, { appUrl: localEnvironment(port).APP_URL as string });
}

async function preparedPostgres(baseUrl: string): Promise<string> {
  const url = await freshPostgres(baseUrl, "e2e");
  const db = createDb(url);
  await prepare(db);
  await db.$disconnect();
  return url;
}

const freshPglite = () =>
  prepareEmbeddedDatabase(path.join(process.cwd(), ".data", "e2e", "pglite"), prepare);

const databaseUrl = process.env.DATABASE_URL
  ? await preparedPostgres(process.env.DATABASE_URL)
  : await freshPglite();
const runnerDataDir = path.join(process.cwd(), ".data", "e2e", "inngest-runner");
rmSync(runnerDataDir, { recursive: true, force: true });
const stack = await startLocalStack({
  appPort: port,
  mode: "start",
  env: {
    DATABASE_URL: databaseUrl,
    NODE_ENV: "production",
    RESEND_API_KEY: "",
    // A fixed test key: production refuses to run without configured keys.
    TOKEN_ENCRYPTION_KEYS: `e2e:${Buffer.alloc(32, 1).toString("base64")}`,
  },
  demoOkta: { port: DEMO_OKTA_PORT, token: DEMO_OKTA_TOKEN, data: DEMO_OKTA },
  runnerPort: Number(process.env.E2E_RUNNER_PORT),
  runnerDataDir,
});
stopOnSignals(stack);
