// The server Playwright tests: a production build (`next start`) on a database of its own,
// migrated and seeded here before the app starts — a fresh PostgreSQL database
// `<DATABASE_URL>_e2e` in CI, or a fresh embedded PGlite directory.
import { spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { createDb, type Db, PrismaClient } from "@/lib/db";
import { applyMigrations } from "@/lib/db/migrate";
import { seedDemo } from "@/lib/seed";
import { localEnvironment } from "@/scripts/local-env";
import { freshPostgres } from "./database";
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

/** PGlite is one process, one connection: prepare the directory, close it, then start the app on it. */
async function freshPglite(): Promise<string> {
  const dir = path.join(process.cwd(), ".data", "e2e", "pglite");
  rmSync(path.dirname(dir), { recursive: true, force: true });
  mkdirSync(path.dirname(dir), { recursive: true }); // PGlite creates only the last directory
  const pglite = new PGlite(dir);
  await applyMigrations(pglite);
  const db = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  await prepare(db);
  await db.$disconnect();
  await pglite.close();
  return `pglite:${dir}`;
}

const databaseUrl = process.env.DATABASE_URL
  ? await preparedPostgres(process.env.DATABASE_URL)
  : await freshPglite();
const env = { ...localEnvironment(port), DATABASE_URL: databaseUrl, NODE_ENV: "production" as const };
const app = spawn("npx", ["next", "start", "--port", String(port)], { env, stdio: "inherit" });
const stop = () => app.kill("SIGTERM");
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
app.on("exit", (code) => process.exit(code ?? 0));
