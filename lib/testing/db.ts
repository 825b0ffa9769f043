import { inject } from "vitest";
import { createDb, type Db } from "@/lib/db";
import { cloneDatabase, dropDatabase } from "./postgres";

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
  const url = await cloneDatabase(template);
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
