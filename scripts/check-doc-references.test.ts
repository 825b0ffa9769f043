import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  checkDocReferences,
  declaredIn,
  documents,
  EXTERNAL,
  identifierParts,
  ROOT,
  readMarkdown,
  repositoryFiles,
} from "./check-doc-references";

describe("the documents name only what exists", () => {
  it("every file, identifier and npm script that a document names exists", () => {
    const listing = checkDocReferences().map(({ doc, kind, name }) => `${doc}: ${kind} ${name}`);
    expect(listing, "fix the document, or see scripts/check-doc-references.ts for what counts").toEqual([]);
  });

  it("checks docs/, README.md, SECURITY.md and every folder's README", () => {
    const docs = documents(repositoryFiles());
    for (const doc of [
      "README.md",
      "SECURITY.md",
      "docs/operations.md",
      "docs/admin-guide.md",
      "inngest/README.md",
      "lib/sync/README.md",
      "scripts/fake-okta/README.md",
    ])
      expect(docs).toContain(doc);
    expect(docs.every((doc) => doc.endsWith(".md"))).toBe(true);
    expect(docs.some((doc) => doc.includes("node_modules"))).toBe(false);
  });

  it("each name allowed from an installed package is still in that package", () => {
    const text = (dir: string): string =>
      readdirSync(dir, { withFileTypes: true, recursive: true })
        .filter((entry) => entry.isFile() && entry.name.endsWith(".d.ts"))
        .map((entry) => readFileSync(path.join(entry.parentPath, entry.name), "utf8"))
        .join("\n");
    const installed = EXTERNAL.filter((group) => group.from.startsWith("node_modules/"));
    expect(installed.length).toBeGreaterThan(0);
    for (const { from, names } of installed) {
      const declarations = text(path.join(ROOT, from));
      expect(
        names.filter((name) => !new RegExp(`\\b${name}\\b`).test(declarations)),
        from,
      ).toEqual([]);
    }
  });
});

/** A small repository: the code, a schema, a package.json and the documents given. */
function repository(docs: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), "doc-references-"));
  const files: Record<string, string> = {
    "package.json": JSON.stringify({ scripts: { test: "vitest", "db:migrate": "prisma migrate deploy" } }),
    "lib/auth/guard.ts": "export function orgAction() {}\nexport const REFUSED = { error: 'refused' };\n",
    "lib/sync/run.ts": "export async function markRunStarted(db: Db, input: { syncRunId: string }) {}\n",
    "prisma/schema.prisma":
      "model SyncRun {\n  id String @id\n  phase SyncPhase\n}\nenum SyncPhase {\n  QUEUED\n  DONE\n}\n",
    "scripts/fake-okta/okta-openapi.yaml":
      "components:\n  schemas:\n    Group:\n      lastMembershipUpdated: {}\n",
    ...docs,
  };
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

describe("the checker", () => {
  it("reports a file that does not exist, and accepts those that do", () => {
    const root = repository({
      "docs/operations.md": [
        "Time the engine with `scripts/bench-sync.ts` (`npx tsx scripts/bench-sync.ts 100000`).",
        "Runs are recorded by `lib/sync/run.ts`, imported as `@/lib/sync/run`; see `lib/auth/`",
        "and [the guard](../lib/auth/guard.ts), [a gone page](./gone.md#part) and ![a shot](images/none.png).",
        "```sh",
        "npx tsx scripts/missing-in-a-block.ts",
        "```",
        "Not files: `/api/inngest`, `https://example.com/a.ts`, `.data/pglite`, `<dir>/runs/<id>.json`,",
        "`e2e/*.spec.ts`, `inngest/function.failed`, `user-sync/run`, [Okta](https://developer.okta.com/x.md).",
      ].join("\n"),
      "lib/sync/README.md": "Beside it: `run.ts`, `../auth/guard.ts`, `guard.ts`; not `engine.ts`.\n",
    });
    expect(checkDocReferences(root)).toEqual([
      { doc: "docs/operations.md", kind: "file", name: "./gone.md#part" },
      { doc: "docs/operations.md", kind: "file", name: "images/none.png" },
      { doc: "docs/operations.md", kind: "file", name: "scripts/bench-sync.ts" },
      { doc: "docs/operations.md", kind: "file", name: "scripts/missing-in-a-block.ts" },
      { doc: "lib/sync/README.md", kind: "file", name: "engine.ts" },
    ]);
  });

  it("reports an identifier the code does not define, and accepts those it does", () => {
    const root = repository({
      "README.md": [
        "Server actions are wrapped by `adminAction`; `orgAction` checks the role, `markRunStarted(db, input)`",
        "starts a run and `markRunFinished()` ends it. `SyncRun.phase` goes from `QUEUED` to `DONE` or `STOPPED`;",
        "`SyncRun.stepSeq` counts steps. A group's `lastMembershipUpdated` comes from Okta, `REFUSED` and",
        "`'refused'` from the guard. Plain words are not checked: `status`, `Everyone`, `retries`.",
        "```ts",
        "const notChecked = inAFencedBlock();",
        "```",
      ].join("\n"),
    });
    expect(checkDocReferences(root)).toEqual([
      { doc: "README.md", kind: "identifier", name: "adminAction" },
      { doc: "README.md", kind: "identifier", name: "markRunFinished" },
      { doc: "README.md", kind: "identifier", name: "STOPPED" },
      { doc: "README.md", kind: "identifier", name: "stepSeq" },
    ]);
  });

  it("reports an npm script package.json does not have", () => {
    const root = repository({
      "docs/a.md": "Run `npm run db:migrate`, `npm run db:*` and `npm run bench -- --users 10`.",
    });
    expect(checkDocReferences(root)).toEqual([{ doc: "docs/a.md", kind: "npm script", name: "bench" }]);
  });

  it("reads declarations, not uses", () => {
    const names = declaredIn(
      [
        "import { NonRetriableError, type Db as Database } from 'inngest';",
        "export async function advanceSync(db: Db) { return callsAreNotDeclarations(db); }",
        "class RunnerEngine {",
        "  private async driveRun(id: string): Promise<void> {",
        "    helper(id);",
        "  }",
        "}",
        "interface SyncState { seq: number; afterGroupId?: string }",
        "type SyncPhase = 'USERS' | 'GROUPS';",
        "enum Mode { FULL, INCREMENTAL = 'incremental' }",
        "const { syncRunId, replay } = await start();",
      ].join("\n"),
    );
    for (const name of [
      "NonRetriableError",
      "Database",
      "advanceSync",
      "RunnerEngine",
      "driveRun",
      "SyncState",
      "afterGroupId",
      "USERS",
      "FULL",
      "INCREMENTAL",
      "syncRunId",
      "replay",
    ])
      expect(names, name).toContain(name);
    for (const used of ["callsAreNotDeclarations", "start", "helper"]) expect(names).not.toContain(used);
  });

  it("checks the code-like parts of an identifier span only", () => {
    expect(identifierParts("UserSync.activeRunId")).toEqual(["UserSync", "activeRunId"]);
    expect(identifierParts("event.data.syncRunId")).toEqual(["syncRunId"]);
    expect(identifierParts("startRunRequest(db, { organizationId })")).toEqual(["startRunRequest"]);
    expect(identifierParts("retry_after")).toEqual(["retry_after"]);
    for (const notAnIdentifier of [
      "status",
      "Everyone",
      "npm run dev",
      "sync-run.started",
      "x-inngest-no-retry",
    ])
      expect(identifierParts(notAnIdentifier)).toEqual([]);
  });

  it("leaves diagrams out and links inside code spans alone", () => {
    const text = readMarkdown(
      "`[not](a/link.md)` and [a](b.md)\n```mermaid\nparticipant App as Next.js\n```\n```sh\nnpm test\n```\n",
    );
    expect(text).toEqual({ spans: ["[not](a/link.md)"], fenced: ["npm test"], links: ["b.md"] });
  });
});
