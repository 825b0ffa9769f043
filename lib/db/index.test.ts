import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { createDb, type Db, getDb, setUpEmbeddedDatabase } from "./index";

const dir = mkdtempSync(path.join(tmpdir(), "embedded-db-"));
afterAll(async () => {
  await getDb().$disconnect();
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

// Each test creates and migrates an embedded database: as slow as a test file's setup.
describe("the app's database", { timeout: 60_000 }, () => {
  it("starts a new embedded database migrated and without a single account", async () => {
    vi.stubEnv("DATABASE_URL", `pglite:${path.join(dir, "app")}`);
    const db = getDb();
    expect(await db.user.count()).toBe(0);
    expect(await db.organization.count()).toBe(0);
    expect(await db.member.count()).toBe(0);
  });

  it("sets up an embedded database once: what runs on creation never runs again, and data stays", async () => {
    const location = path.join(dir, "dev");
    const created = vi.fn((db: Db) => db.organization.create({ data: { name: "Kept", slug: "kept" } }));
    expect(await setUpEmbeddedDatabase(location, created)).toBe(true);
    expect(await setUpEmbeddedDatabase(location, created)).toBe(false);
    expect(created).toHaveBeenCalledTimes(1);
    const db = createDb(`pglite:${location}`);
    try {
      expect(await db.organization.findMany({ select: { slug: true } })).toEqual([{ slug: "kept" }]);
    } finally {
      await db.$disconnect();
    }
  });
});
