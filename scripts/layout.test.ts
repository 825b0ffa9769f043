import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..");

/** Every TypeScript file under a folder of the repository. */
function sources(folder: string): string[] {
  return readdirSync(path.join(ROOT, folder), { recursive: true, encoding: "utf8" })
    .filter((file) => /\.tsx?$/.test(file) && !file.split(path.sep).includes("generated"))
    .map((file) => path.join(folder, file));
}

const importsOf = (file: string) =>
  [...readFileSync(path.join(ROOT, file), "utf8").matchAll(/from\s+"([^"]+)"|import\("([^"]+)"\)/g)].map(
    (m) => m[1] ?? m[2] ?? "",
  );

describe("the layout", () => {
  it("nothing under lib/ imports the local runner (a development stand-in; shared test support is in test-support/)", () => {
    const offending = sources("lib").flatMap((file) =>
      importsOf(file)
        .filter((target) => /scripts\/inngest-runner|inngest\/runner/.test(target))
        .map((target) => `${file} imports ${target}`),
    );
    expect(offending).toEqual([]);
  });

  it("one module owns a run's lifecycle: a run's audit events go through lib/sync/run.ts's auditRun", () => {
    const recorders = ["lib", "inngest", "app"]
      .flatMap(sources)
      .filter((file) => !/\.test\.tsx?$/.test(file))
      .filter((file) =>
        /recordAudit\([^)]*\{[^}]*action:\s*[^,}]*"sync-run\./s.test(
          readFileSync(path.join(ROOT, file), "utf8"),
        ),
      );
    expect(recorders).toEqual([]);
  });

  it("the statuses of an active run are written out once (ACTIVE_STATUSES)", () => {
    const lists = ["lib", "inngest", "app", "components"]
      .flatMap(sources)
      .filter((file) => !/\.test\.tsx?$/.test(file))
      .filter((file) => {
        const text = readFileSync(path.join(ROOT, file), "utf8");
        return /"QUEUED",\s*"RUNNING",\s*"BLOCKED"/.test(text) || /=== "QUEUED" \|\|/.test(text);
      });
    expect(lists).toEqual(["lib/sync/active-statuses.ts"]);
  });

  it("inngest/ holds the client and the functions, not the runner", () => {
    const folders = readdirSync(path.join(ROOT, "inngest"), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    expect(folders).toEqual(["functions"]);
  });
});
