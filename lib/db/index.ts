import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "./generated/client";
import { applyMigrations } from "./migrate";

export type Db = PrismaClient;
export * from "./generated/client";

/**
 * An embedded PGlite database (a directory, or memory) with the extensions the migrations create:
 * pg_trgm, for the Users page's search indexes.
 */
export function openPglite(dir?: string): PGlite {
  return new PGlite({ ...(dir ? { dataDir: dir } : {}), extensions: { pg_trgm } });
}

/**
 * Creates an embedded database in `dir` (emptied first), migrates it, runs `prepare` on it and
 * closes it, so that another process (the app) can open it: PGlite is one process, one connection.
 */
export async function prepareEmbeddedDatabase(
  dir: string,
  prepare: (db: Db) => Promise<void>,
): Promise<string> {
  rmSync(dir, { recursive: true, force: true });
  await setUpEmbeddedDatabase(dir, prepare);
  return `pglite:${dir}`;
}

/**
 * Migrates the embedded database in `dir`, creating it when missing, runs `whenCreated` on it only
 * if it was just created, and closes it for the app to open. The app never seeds: whoever creates
 * a database decides what it holds. Returns whether it was created.
 */
export async function setUpEmbeddedDatabase(
  dir: string,
  whenCreated: (db: Db) => Promise<unknown>,
): Promise<boolean> {
  mkdirSync(path.dirname(dir), { recursive: true }); // PGlite creates only the last directory
  const pglite = openPglite(dir);
  const applied = await applyMigrations(pglite);
  const created = applied.length > 0 && applied.length === (await countMigrations(pglite));
  if (created) {
    const db = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
    await whenCreated(db);
    await db.$disconnect();
  }
  await pglite.close();
  return created;
}

/** Where the embedded database lives when DATABASE_URL is unset. */
export const EMBEDDED_DATA_DIR = path.join(process.cwd(), ".data", "pglite");

/**
 * A Prisma client for a database URL: `postgres://…` through node-postgres, `pglite:<dir>` or
 * `pglite:memory` through the embedded PGlite (migrated before the first query, since the CLI
 * cannot open a data directory the app holds).
 */
export function createDb(url: string): Db {
  if (/^postgres(ql)?:\/\//.test(url)) {
    return new PrismaClient({
      adapter: new PrismaPg({ connectionString: url, max: poolSize(), options: SESSION_OPTIONS }),
    });
  }
  if (!url.startsWith("pglite:"))
    throw new Error("DATABASE_URL must start with postgres://, postgresql:// or pglite:");
  const location = url.slice("pglite:".length);
  const dir = location === "memory" ? undefined : path.resolve(location);
  if (dir) mkdirSync(path.dirname(dir), { recursive: true });
  const pglite = openPglite(dir);
  const inner = new PrismaPGlite(pglite);
  let ready: Promise<string[]> | undefined;
  return new PrismaClient({
    adapter: {
      provider: inner.provider,
      adapterName: inner.adapterName,
      connect: async () => {
        ready ??= applyMigrations(pglite);
        await ready;
        const adapter = await inner.connect();
        // $disconnect closes the database too: a command's writes are then on disk when it exits.
        return Object.assign(adapter, { dispose: () => pglite.close() });
      },
    },
  });
}

async function countMigrations(pglite: PGlite): Promise<number> {
  const { rows } = await pglite.query<{ n: number }>(`SELECT count(*)::int AS n FROM "_prisma_migrations"`);
  return rows[0]?.n ?? 0;
}

/**
 * Planner costs for storage where a random read costs little more than a sequential one (SSDs, a
 * working set in memory), as PostgreSQL's documentation advises instead of its default of 4, which
 * assumes spinning disks. With 4, a search of 100,000 users by trigram index was planned as a
 * sequential scan of every row (100–200 ms instead of 10). `DATABASE_RANDOM_PAGE_COST` overrides.
 */
const SESSION_OPTIONS = `-c random_page_cost=${Number(process.env.DATABASE_RANDOM_PAGE_COST) || 1.1}`;

function poolSize(): number {
  return Number(process.env.DATABASE_POOL_SIZE ?? 10);
}

/** The URL the app uses: DATABASE_URL, or the embedded PGlite database under .data/. */
export function databaseUrl(): string {
  return process.env.DATABASE_URL || `pglite:${EMBEDDED_DATA_DIR}`;
}

const globalForDb = globalThis as unknown as { __db?: Db };

/** The app's shared client (kept across hot reloads in development). It creates no accounts. */
export function getDb(): Db {
  globalForDb.__db ??= createDb(databaseUrl());
  return globalForDb.__db;
}
