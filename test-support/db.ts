import { inject } from "vitest";
import { createDb, type Db } from "@/lib/db";
import { cloneDatabase, dropDatabase, prepareTemplateDatabase } from "./postgres";

export interface TestDb {
  db: Db;
  /** The URL of this database, for processes started by the test (the app, the runner). */
  url: string;
  close(): Promise<void>;
}

/**
 * A database of its own for one test file: a clone of the migrated PostgreSQL template when
 * DATABASE_URL is set (CI), otherwise an in-memory PGlite database migrated on first use.
 */
export async function createTestDb(): Promise<TestDb> {
  const template = inject("templateDatabaseUrl");
  if (!template) {
    const db = createDb("pglite:memory");
    return { db, url: "pglite:memory", close: () => db.$disconnect() };
  }
  return ownedDatabase(await cloneDatabase(template));
}

/** A database made for one test file, dropped when it closes. */
function ownedDatabase(url: string): TestDb {
  const db = createDb(url);
  return {
    db,
    url,
    close: async () => {
      await db.$disconnect();
      await dropDatabase(url);
    },
  };
}

/** Where tests that need PostgreSQL itself (another process shares the database) make one when the run uses PGlite. */
const LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres";

/**
 * A PostgreSQL database of its own for one test file, even in a run on PGlite: for tests whose
 * database is shared with a child process (an app process killed and restarted mid-run), which an
 * in-memory PGlite database cannot be. Uses TEST_POSTGRES_URL, else the machine's local server.
 */
export async function createPostgresTestDb(): Promise<TestDb> {
  const template = inject("templateDatabaseUrl");
  if (template) return createTestDb();
  return ownedDatabase(await prepareTemplateDatabase(process.env.TEST_POSTGRES_URL || LOCAL_POSTGRES));
}
