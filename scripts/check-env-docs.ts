/**
 * Checks that every environment variable the code reads is documented in the variables table of
 * docs/operations.md (the tables under its "## Environment variables" heading).
 *
 *   npx tsx scripts/check-env-docs.ts     # exits 1 and lists the undocumented names
 *
 * What counts as a read, in .ts/.tsx/.js/.mjs/.cjs files under the scanned folders and the root
 * *.config.* files: `process.env.NAME`, `process.env["NAME"]`, `env.NAME` and `env["NAME"]` (any
 * object called `env`, e.g. a `env = process.env` parameter), and names destructured from
 * `process.env` (`const { NAME: name } = process.env`). Only upper-case names count, so calls
 * such as `env.get()` are not variables. Variables that only a dependency reads (Inngest's
 * INNGEST_*, Auth.js's AUTH_SECRET) cannot be found this way: the table documents them too, and
 * `documentedButUnread` lists them so a reader can tell them apart.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const DOC = "docs/operations.md";
export const SECTION = "Environment variables";

/** Folders scanned for reads (relative to the repository root), and root files matching CONFIG. */
export const SCANNED_DIRS = ["app", "components", "emails", "e2e", "inngest", "lib", "prisma", "scripts"];
const CONFIG = /^[\w-]+\.config\.(ts|mts|js|mjs|cjs)$/;
const SOURCE = /\.(ts|tsx|js|mjs|cjs)$/;
/** Generated or installed code, and this check with its test (their examples are not reads). */
const SKIPPED = new Set([
  "node_modules",
  ".next",
  ".data",
  "lib/db/generated",
  "scripts/check-env-docs.ts",
  "scripts/check-env-docs.test.ts",
]);

const NAME = "[A-Z][A-Z0-9_]*";
const READS = [
  new RegExp(`\\bprocess\\.env\\.(${NAME})\\b`, "g"),
  new RegExp(`\\bprocess\\.env\\[\\s*["'\`](${NAME})["'\`]\\s*\\]`, "g"),
  new RegExp(`(?<![\\w$])env\\.(${NAME})\\b`, "g"),
  new RegExp(`(?<![\\w$])env\\[\\s*["'\`](${NAME})["'\`]\\s*\\]`, "g"),
];
const DESTRUCTURED = /\{([^{}]*)\}\s*=\s*process\.env\b/g;
const DESTRUCTURED_NAME = new RegExp(`(?:^|,)\\s*(${NAME})\\s*(?=[:=,]|$)`, "g");

/** The variable names one source text reads. */
export function envReadsIn(source: string): Set<string> {
  const names = new Set<string>();
  for (const pattern of READS) {
    for (const match of source.matchAll(pattern)) names.add(match[1] as string);
  }
  for (const match of source.matchAll(DESTRUCTURED)) {
    const body = (match[1] as string).replace(/\s+/g, " ").trim();
    for (const name of body.matchAll(DESTRUCTURED_NAME)) names.add(name[1] as string);
  }
  return names;
}

function sourceFiles(dir: string, root: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const relative = path.posix.join(dir, entry.name);
    if (SKIPPED.has(entry.name) || SKIPPED.has(relative)) continue;
    if (entry.isDirectory()) files.push(...sourceFiles(relative, root));
    else if (entry.isFile() && SOURCE.test(entry.name)) files.push(relative);
  }
  return files;
}

/** Every file the check scans, relative to `root`. */
export function scannedFiles(root = ROOT): string[] {
  const rootConfigs = readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isFile() && CONFIG.test(entry.name))
    .map((entry) => entry.name);
  const dirs = SCANNED_DIRS.filter((dir) => existsSync(path.join(root, dir)));
  return [...rootConfigs, ...dirs.flatMap((dir) => sourceFiles(dir, root))].sort();
}

/** Each variable the code reads, with the files that read it. */
export function envReadsInCode(root = ROOT): Map<string, string[]> {
  const reads = new Map<string, string[]>();
  for (const file of scannedFiles(root)) {
    for (const name of envReadsIn(readFileSync(path.join(root, file), "utf8"))) {
      reads.set(name, [...(reads.get(name) ?? []), file]);
    }
  }
  return new Map([...reads].sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * The names in the first column of the tables in the markdown section `## <section>` (down to the
 * next `## ` heading): each back-quoted upper-case name of a row's first cell, so one row may
 * document several (`AUTH_OIDC_ISSUER`, `AUTH_OIDC_CLIENT_ID`).
 */
export function documentedNames(markdown: string, section = SECTION): Set<string> {
  const names = new Set<string>();
  let inside = false;
  for (const line of markdown.split(/\r?\n/)) {
    if (/^##\s/.test(line)) inside = line.replace(/^##\s+/, "").trim() === section;
    if (!inside || !line.trimStart().startsWith("|")) continue;
    const firstCell = line.trim().slice(1).split("|")[0] ?? "";
    for (const match of firstCell.matchAll(new RegExp(`\`(${NAME})\``, "g"))) names.add(match[1] as string);
  }
  return names;
}

export interface EnvDocsReport {
  /** Read by the code, missing from the table: name → files that read it. */
  undocumented: Map<string, string[]>;
  /** In the table, read by no scanned file (a dependency reads it, or it is stale). */
  documentedButUnread: string[];
}

export function checkEnvDocs(root = ROOT): EnvDocsReport {
  const reads = envReadsInCode(root);
  const documented = documentedNames(readFileSync(path.join(root, DOC), "utf8"));
  return {
    undocumented: new Map([...reads].filter(([name]) => !documented.has(name))),
    documentedButUnread: [...documented].filter((name) => !reads.has(name)).sort(),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { undocumented, documentedButUnread } = checkEnvDocs();
  console.log(`Documented in ${DOC}, read only by dependencies or tools: ${documentedButUnread.join(", ")}`);
  if (undocumented.size > 0) {
    console.error(`Environment variables read by the code but missing from ${DOC} (## ${SECTION}):`);
    for (const [name, files] of undocumented) console.error(`  ${name}  (${files.join(", ")})`);
    process.exit(1);
  }
  console.log(`Every environment variable the code reads is documented in ${DOC}.`);
}
