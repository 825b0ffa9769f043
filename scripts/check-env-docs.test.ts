import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkEnvDocs, documentedNames, envReadsIn, scannedFiles } from "./check-env-docs";

describe("environment variables are documented", () => {
  it("every variable the code reads is in docs/operations.md's variables table", () => {
    const { undocumented } = checkEnvDocs();
    const listing = [...undocumented].map(([name, files]) => `${name} (read in ${files.join(", ")})`);
    expect(listing, "add these to the table under '## Environment variables' in docs/operations.md").toEqual(
      [],
    );
  });

  it("scans the app, libraries, functions, scripts, emails, e2e specs and config files", () => {
    const files = scannedFiles();
    for (const file of [
      "lib/db/index.ts",
      "scripts/inngest-runner/cli.ts",
      "next.config.ts",
      "prisma.config.ts",
    ])
      expect(files).toContain(file);
    expect(files.some((f) => f.startsWith("e2e/"))).toBe(true);
    expect(files.some((f) => f.startsWith("lib/db/generated/"))).toBe(false);
  });
});

describe("the scanner", () => {
  it("finds dotted, bracketed, env-object and destructured reads, and nothing else", () => {
    const source = [
      "const a = process.env.DATABASE_URL;",
      "const b = process.env[\"RESEND_API_KEY\"] ?? process.env['EMAIL_FROM'];",
      "const c = (env = process.env) => env.TOKEN_ENCRYPTION_KEYS === env['NODE_ENV'];",
      "const { AUTH_OIDC_ISSUER: issuer, AUTH_OIDC_CLIENT_ID,\n  AUTH_OIDC_CLIENT_SECRET = '', ...rest } = process.env;",
      "process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= 'shim';",
      "const d = env.get('x') + someenv.NOT_A_READ + process.env.lowercase + myEnv.ALSO_NOT;",
    ].join("\n");
    expect([...envReadsIn(source)].sort()).toEqual([
      "AUTH_OIDC_CLIENT_ID",
      "AUTH_OIDC_CLIENT_SECRET",
      "AUTH_OIDC_ISSUER",
      "DATABASE_URL",
      "EMAIL_FROM",
      "NODE_ENV",
      "PRISMA_SCHEMA_ENGINE_BINARY",
      "RESEND_API_KEY",
      "TOKEN_ENCRYPTION_KEYS",
    ]);
  });

  it("reads names from the first column of the section's tables only", () => {
    const markdown = [
      "## Environment variables",
      "| Variable | Default | Meaning |",
      "| --- | --- | --- |",
      "| `DATABASE_URL` | `pglite:…` | mentions `NOT_THIS_ONE` |",
      "### OpenID Connect",
      "| `AUTH_OIDC_ISSUER`, `AUTH_OIDC_CLIENT_ID` | unset | |",
      "## Backups",
      "| `OUTSIDE_THE_SECTION` | | |",
    ].join("\n");
    expect([...documentedNames(markdown)].sort()).toEqual([
      "AUTH_OIDC_CLIENT_ID",
      "AUTH_OIDC_ISSUER",
      "DATABASE_URL",
    ]);
  });

  it("reports an undocumented variable with the files that read it", () => {
    const root = mkdtempSync(path.join(tmpdir(), "env-docs-"));
    mkdirSync(path.join(root, "lib"));
    mkdirSync(path.join(root, "docs"));
    writeFileSync(
      path.join(root, "lib", "a.ts"),
      "export const x = process.env.KNOWN + process.env.NEW_ONE;",
    );
    writeFileSync(path.join(root, "next.config.ts"), "export default { x: process.env.NEW_ONE };");
    writeFileSync(
      path.join(root, "docs", "operations.md"),
      "## Environment variables\n\n| Variable |\n| --- |\n| `KNOWN` |\n| `ONLY_A_LIBRARY_READS_IT` |\n",
    );
    const report = checkEnvDocs(root);
    expect([...report.undocumented]).toEqual([["NEW_ONE", ["lib/a.ts", "next.config.ts"]]]);
    expect(report.documentedButUnread).toEqual(["ONLY_A_LIBRARY_READS_IT"]);
  });
});
