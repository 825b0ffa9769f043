import { spawnSync } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyPassword } from "@/lib/auth/password";
import { createPostgresTestDb, type TestDb } from "@/test-support/db";

// The command in its own process, on a PostgreSQL database this test reads.
let t: TestDb;
beforeAll(async () => {
  t = await createPostgresTestDb();
});
afterAll(() => t.close());

const ROOT = path.resolve(import.meta.dirname, "..");
const createOwner = (args: string[], stdin: string) =>
  spawnSync(
    process.execPath,
    [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "scripts/create-owner.ts", ...args],
    {
      cwd: ROOT,
      input: stdin,
      encoding: "utf8",
      env: { ...process.env, DATABASE_URL: t.url },
    },
  );

const passwordHashOf = async (email: string) =>
  (await t.db.user.findUniqueOrThrow({ where: { email } })).passwordHash ?? "";

describe("npm run owner:create", () => {
  it("takes the password from stdin and never prints it", async () => {
    const run = createOwner(
      ["--email", "alice@example.com", "--org", "Example Corp"],
      "piped passphrase 42\n",
    );
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).not.toContain("piped passphrase");
    expect(await verifyPassword(await passwordHashOf("alice@example.com"), "piped passphrase 42")).toBe(true);
  });

  it("generates a password and prints it once when none is given", async () => {
    const run = createOwner(["--email", "bob@example.com", "--org", "Bob's"], "");
    expect(run.status).toBe(0);
    const printed = /Password \(shown only now\): (\S+)/.exec(run.stdout)?.[1] ?? "";
    expect(printed.length).toBeGreaterThanOrEqual(24);
    expect(await verifyPassword(await passwordHashOf("bob@example.com"), printed)).toBe(true);
  });

  it("refuses a password on the command line and an email that already has an account", async () => {
    const onArgv = createOwner(
      ["--email", "eve@example.com", "--org", "Eve", "--password", "in plain sight"],
      "",
    );
    expect(onArgv.status).not.toBe(0);
    expect(await t.db.user.count({ where: { email: "eve@example.com" } })).toBe(0);
    const again = createOwner(["--email", "Alice@Example.com", "--org", "Takeover"], "another passphrase");
    expect(again.status).toBe(1);
    expect(again.stderr).toContain("alice@example.com already has an account");
    expect(await t.db.organization.count({ where: { name: "Takeover" } })).toBe(0);
  });
});
