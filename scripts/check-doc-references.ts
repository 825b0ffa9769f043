/**
 * Checks that the documents a reader trusts name only what exists: every repository file they
 * point to, and every code identifier they put in backticks.
 *
 *   npx tsx scripts/check-doc-references.ts     # exits 1 and lists each stale reference
 *
 * Documents: every *.md under docs/, SECURITY.md and every README.md (installed, generated and
 * run-time folders left out).
 *
 * Files: markdown links (relative to the document), and back-quoted words (also inside a command,
 * and in fenced code blocks) that end in a known file extension, or that contain a `/` and start
 * with a top-level entry of the repository or a folder beside the document. A word names a file
 * relative to the repository root or to the document's folder (`@/lib/sync` is the root's
 * `lib/sync`); a bare file name (`guard.ts`) may live anywhere. Words with placeholders (`<dir>`,
 * `*`, `…`), URLs and route paths (`/api/inngest`) are not files.
 *
 * Identifiers: an inline code span that is one identifier, qualified or called (`SyncRun.phase`,
 * `orgAction`, `advanceSync(…)`); each camelCase, PascalCase (two words or more), snake_case or
 * UPPER_CASE part must be declared in the code (a function, class, type, variable, property key,
 * method, enum member, import, Prisma model, field or enum value), be a field of Okta's API
 * (scripts/fake-okta/okta-openapi.yaml), an environment variable of docs/operations.md, or one of
 * the EXTERNAL names below. Plain words (`status`, `Everyone`) are not checked.
 *
 * `npm run <script>` must name a script of package.json.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { documentedNames, DOC as ENV_DOC } from "./check-env-docs";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Installed, generated or runtime folders: not the repository's files. */
const NOT_IN_REPOSITORY = new Set([
  "node_modules",
  ".git",
  ".next",
  ".data",
  "lib/db/generated",
  "test-results",
  "playwright-report",
  "bench-results",
]);

/** This check and its test: their examples of stale names are not declarations. */
const SELF = new Set(["scripts/check-doc-references.ts", "scripts/check-doc-references.test.ts"]);
/** The files whose declarations count. */
const SOURCE = /\.(ts|tsx|mts|js|mjs|cjs|prisma)$/;
const OKTA_API = "scripts/fake-okta/okta-openapi.yaml";
const MIGRATIONS = "prisma/migrations";

/** Extensions that make a back-quoted word a file name. */
const FILE = /\.(ts|tsx|mts|js|mjs|cjs|md|json|sql|prisma|ya?ml|css|sh|png|svg|txt|toml)$/;
/** Ways a module path leaves out its file's extension or index file. */
const MODULE_SUFFIXES = ["", ".ts", ".tsx", ".js", ".mjs", "/index.ts", "/index.tsx"];

/**
 * Names the documents use that belong to a dependency, a protocol or a system, not to this code.
 * `from` says where they are defined; when it is an installed package (`node_modules/…`), the
 * test checks that its files still contain each name.
 */
export const EXTERNAL: { from: string; names: string[] }[] = [
  // Options and step ops of Inngest's SDK that the local runner does not support, and its step tools.
  {
    from: "node_modules/inngest",
    names: ["batchEvents", "rateLimit", "WaitForSignal", "DeferAdd", "waitForEvent"],
  },
  {
    from: "Inngest's executor (github.com/inngest/inngest), cited for each limit the runner enforces",
    names: [
      "DefaultRetryCount",
      "TableBackoff",
      "DefaultMaxStepLimit",
      "InngestErrFunctionOverflowed",
      "MaxStepOutputSize",
      "DefaultMaxStateSizeLimit",
      "InngestErrStateOverflowed",
      "AbsoluteMaxEventSize",
    ],
  },
  {
    from: "PostgreSQL: commands, functions, settings and views",
    names: [
      "ANALYZE",
      "pg_dump",
      "string_agg",
      "random_page_cost",
      "log_min_duration_statement",
      "pg_stat_user_tables",
    ],
  },
  { from: "Linux: /proc/<pid>/clear_refs resets a process's peak memory", names: ["clear_refs"] },
  {
    from: "Okta's System Log event types (developer.okta.com/docs/reference/api/event-types), e.g. group.user_membership.add",
    names: ["user_membership", "update_profile", "update_password", "reset_password", "expire_password"],
  },
  {
    from: "Microsoft Graph (learn.microsoft.com/graph): relationships, permissions and schema names of its OpenAPI description",
    names: [
      "transitiveMembers",
      "transitiveMemberOf",
      "GroupMember",
      "BaseCollectionPaginationCountResponse",
      "BaseDeltaFunctionResponse",
    ],
  },
  { from: "Node.js's crypto module", names: ["checkPrivateKey"] },
  { from: "HTTP: the cookie attribute", names: ["HttpOnly"] },
  {
    from: "the proxy variables of HTTP clients, which the Okta client ignores",
    names: ["HTTP_PROXY", "HTTPS_PROXY"],
  },
  {
    from: 'the database `npm run bench` makes from DATABASE_URL\'s (`freshPostgres(url, "bench")`)',
    names: ["okta_bench_bench"],
  },
];

/** The documents checked, relative to the repository root, given its files. */
export function documents(files: string[]): string[] {
  return files.filter((file) => /(^|\/)README\.md$|^SECURITY\.md$|^docs\/.*\.md$/.test(file)).sort();
}

/** Every file of the repository under `dir`, relative to `root`. */
export function repositoryFiles(root = ROOT, dir = "."): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const relative = path.posix.join(dir, entry.name);
    if (NOT_IN_REPOSITORY.has(entry.name) || NOT_IN_REPOSITORY.has(relative)) continue;
    if (entry.isDirectory()) files.push(...repositoryFiles(root, relative));
    else if (entry.isFile()) files.push(relative);
  }
  return files;
}

export interface DocText {
  /** Inline code spans, outside fenced blocks. */
  spans: string[];
  /** The text of fenced code blocks, diagrams (mermaid) left out. */
  fenced: string[];
  /** Targets of markdown links and images. */
  links: string[];
}

/** Splits a markdown document into what the checks read. */
export function readMarkdown(markdown: string): DocText {
  const text: DocText = { spans: [], fenced: [], links: [] };
  const prose: string[] = [];
  let fence: { diagram: boolean; lines: string[] } | null = null;
  for (const line of markdown.split(/\r?\n/)) {
    const opening = /^\s*(?:```|~~~)\s*(\w*)/.exec(line);
    if (opening && !fence) fence = { diagram: opening[1] === "mermaid", lines: [] };
    else if (opening && fence) {
      if (!fence.diagram) text.fenced.push(fence.lines.join("\n"));
      fence = null;
    } else if (fence) fence.lines.push(line);
    else prose.push(line);
  }
  const body = prose.join("\n");
  for (const match of body.matchAll(/(`+)([^`]+?)\1(?!`)/g)) text.spans.push((match[2] as string).trim());
  const withoutCode = body.replace(/(`+)[^`]+?\1(?!`)/g, "");
  for (const match of withoutCode.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g))
    text.links.push(match[1] as string);
  return text;
}

/** What a word names when it is a file reference, or null. */
export function fileReference(word: string, topLevel: Set<string>, besideDoc: Set<string>): string | null {
  let ref = word.replace(/^[("'[]+|[)"',;.:\]]+$/g, "").replace(/:\d+(-\d+)?$/, "");
  if (ref.startsWith("@/")) ref = ref.slice(2);
  if (!ref || /:\/\/|[<>*…{}$=?%|]|\.\.\.|^[/@~-]/.test(ref)) return null;
  const relative = /^\.\.?\//.test(ref);
  const first = ref.replace(/^(\.\.?\/)+/, "").split("/")[0] as string;
  // `.data/pglite`, `.next/static`: made at run time. An installed package's files are checked
  // (`node_modules/inngest/…`): an upgrade may move them.
  if (NOT_IN_REPOSITORY.has(first) && first !== "node_modules" && !relative) return null;
  if (FILE.test(ref)) return ref;
  if (!ref.includes("/")) return null;
  // `inngest/function.failed` is an event: a dotted last part without a known extension is a name.
  if (!relative && (ref.replace(/\/$/, "").split("/").pop() as string).includes(".")) return null;
  return topLevel.has(first) || besideDoc.has(first) || relative ? ref : null;
}

function exists(root: string, candidate: string): boolean {
  return MODULE_SUFFIXES.some((suffix) => {
    const full = path.join(root, candidate + suffix);
    return full.startsWith(root) && existsSync(full) && (suffix === "" || statSync(full).isFile());
  });
}

/** Whether `ref`, found in `doc`, names an existing file or folder. */
function resolves(root: string, doc: string, ref: string, basenames: Set<string>): boolean {
  const clean = ref.replace(/\/$/, "");
  if (exists(root, path.join(path.dirname(doc), clean))) return true;
  if (!/^\.\.?\//.test(clean) && exists(root, clean)) return true;
  // A package import (`inngest/next`).
  if (exists(path.join(root, "node_modules"), clean)) return true;
  return !clean.includes("/") && basenames.has(clean);
}

const IDENTIFIER = "[A-Za-z_$][\\w$]*";
const QUALIFIED = new RegExp(`^(${IDENTIFIER}(?:\\.${IDENTIFIER})*)(?:\\(.*\\))?$`, "s");

/** The parts of an identifier-like code span the check holds the code to. */
export function identifierParts(span: string): string[] {
  const match = QUALIFIED.exec(span.trim());
  if (!match) return [];
  return (match[1] as string).split(".").filter(isCodeName);
}

/** camelCase, PascalCase of two words or more, snake_case, UPPER_CASE: not a plain word. */
function isCodeName(part: string): boolean {
  return (
    /^[a-z$_][a-z0-9$]*[A-Z]/.test(part) ||
    /^[A-Z][a-z0-9]+[A-Z]/.test(part) ||
    /^[a-z][a-z0-9]*_[a-z0-9_]+$/.test(part) ||
    /^[A-Z][A-Z0-9_]+$/.test(part)
  );
}

const DECLARATIONS = [
  new RegExp(
    `\\b(?:function\\*?|class|interface|type|enum|namespace|const|let|var|model|view)\\s+(${IDENTIFIER})`,
    "g",
  ),
  // Property keys and members (`name:`, `name?:`), in types, object literals and parameters.
  new RegExp(`(?:^|[{,;(\\s])["']?(${IDENTIFIER})["']?\\??\\s*:(?!:)`, "gm"),
  // Methods: `name(…) {` and `async name(…): T {` at the start of a line.
  new RegExp(
    `^\\s*(?:(?:static|async|get|set|public|private|protected|readonly)\\s+)*\\*?(${IDENTIFIER})\\s*(?:<[^>]*>)?\\([^)]*\\)\\s*(?::[^={]+)?\\{`,
    "gm",
  ),
  // Default imports.
  /\bimport\s+(?:type\s+)?([\w$]+)/g,
  // Values the code defines as strings: error codes (`"bad_token"`), option names.
  new RegExp(`["'\`](${IDENTIFIER})["'\`]`, "g"),
];
/** Named imports and exports, and destructuring declarations: each name in the braces. */
const BRACED = /\b(?:import|export)\s+(?:type\s+)?\{([^}]*)\}|\b(?:const|let|var)\s*\{([^}]*)\}\s*=/g;
/** Prisma models and enums, and TypeScript enums: their fields, values and members. */
const BLOCK = /\b(?:model|enum|view)\s+\w+\s*\{([^}]*)\}/g;

/** Every name the sources declare. */
export function declaredIn(source: string): Set<string> {
  const names = new Set<string>();
  for (const pattern of DECLARATIONS)
    for (const match of source.matchAll(pattern)) names.add(match[1] as string);
  for (const match of source.matchAll(BRACED))
    for (const name of (match[1] ?? match[2] ?? "").matchAll(new RegExp(IDENTIFIER, "g"))) names.add(name[0]);
  // A field or value starts each line (Prisma), a member each item (TypeScript).
  for (const match of source.matchAll(BLOCK))
    for (const member of (match[1] as string).matchAll(/(?:^|[\n,])\s*(\w+)/g))
      names.add(member[1] as string);
  return names;
}

/** Every name the check accepts: declared in the code, in Okta's API, an env variable, or EXTERNAL. */
function knownNames(root: string, files: string[]): Set<string> {
  const names = new Set<string>(EXTERNAL.flatMap((group) => group.names));
  const read = (file: string) => readFileSync(path.join(root, file), "utf8");
  for (const file of files.filter((f) => SOURCE.test(f) && !SELF.has(f)))
    for (const name of declaredIn(read(file))) names.add(name);
  // Migrations, by name: `users_search_trigram` is prisma/migrations/<timestamp>_users_search_trigram.
  for (const file of files.filter((f) => f.startsWith(`${MIGRATIONS}/`)))
    names.add((file.split("/")[2] as string).replace(/^\d+_/, ""));
  if (files.includes(OKTA_API)) for (const word of read(OKTA_API).matchAll(/\w+/g)) names.add(word[0]);
  if (files.includes(ENV_DOC)) for (const name of documentedNames(read(ENV_DOC))) names.add(name);
  return names;
}

function npmScripts(root: string): Set<string> {
  const manifest = path.join(root, "package.json");
  if (!existsSync(manifest)) return new Set();
  return new Set(Object.keys(JSON.parse(readFileSync(manifest, "utf8")).scripts ?? {}));
}

export interface StaleReference {
  doc: string;
  kind: "file" | "identifier" | "npm script";
  name: string;
}

/** Each stale reference, document by document (each name once a document). */
export function checkDocReferences(root = ROOT): StaleReference[] {
  const files = repositoryFiles(root);
  const topLevel = new Set(readdirSync(root).filter((entry) => !NOT_IN_REPOSITORY.has(entry)));
  const basenames = new Set(files.map((file) => path.posix.basename(file)));
  const names = knownNames(root, files);
  const scripts = npmScripts(root);
  const stale: StaleReference[] = [];
  for (const doc of documents(files)) {
    const text = readMarkdown(readFileSync(path.join(root, doc), "utf8"));
    const found = new Set<string>();
    const report = (kind: StaleReference["kind"], name: string) => {
      if (found.has(`${kind} ${name}`)) return;
      found.add(`${kind} ${name}`);
      stale.push({ doc, kind, name });
    };
    const besideDoc = new Set(readdirSync(path.join(root, path.dirname(doc))));
    for (const link of text.links) {
      if (/^[a-z][\w+.-]*:|^#/.test(link)) continue;
      const target = decodeURI(link.replace(/#.*$/, ""));
      if (!exists(root, path.join(path.dirname(doc), target))) report("file", link);
    }
    for (const code of [...text.spans, ...text.fenced]) {
      for (const word of code.split(/\s+/)) {
        const ref = fileReference(word, topLevel, besideDoc);
        if (ref && !resolves(root, doc, ref, basenames)) report("file", ref);
      }
      for (const match of code.matchAll(/\bnpm run ([^\s`;&|)]+)/g)) {
        const script = match[1] as string;
        if (!/[<*…]/.test(script) && !scripts.has(script)) report("npm script", script);
      }
    }
    for (const span of text.spans)
      for (const part of identifierParts(span)) if (!names.has(part)) report("identifier", part);
  }
  return stale;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const stale = checkDocReferences();
  for (const { doc, kind, name } of stale) console.error(`${doc}: ${kind} \`${name}\` does not exist`);
  if (stale.length > 0) process.exit(1);
  console.log("Every file, identifier and npm script the documents name exists.");
}
