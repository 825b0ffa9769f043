// Calling the app the way a browser does, without one: Auth.js sign-in over HTTP, and server
// actions by id (POST to a page with `Next-Action`, the arguments encoded by React's own
// encodeReply, as the client runtime sends them).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { type APIRequestContext, type APIResponse, request } from "@playwright/test";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** React's reply encoder for server action arguments (the production build Next ships). */
const { encodeReply } = createRequire(import.meta.url)(
  path.join(
    ROOT,
    "node_modules/next/dist/compiled/react-server-dom-turbopack/cjs/react-server-dom-turbopack-client.node.production.js",
  ),
) as { encodeReply(value: unknown): Promise<string | FormData> };

export interface ServerAction {
  id: string;
  /** e.g. `app/(dashboard)/user-management/user-sync/actions.ts` */
  file: string;
  name: string;
  /** The app routes (e.g. `/user-management/user-sync/[syncId]`) whose pages can run it. */
  pages: string[];
}

/** Every server action of the production build, from Next's own manifest. */
export function serverActions(): ServerAction[] {
  const manifest = JSON.parse(
    readFileSync(path.join(ROOT, ".next/server/server-reference-manifest.json"), "utf8"),
  ) as { node: Record<string, { filename: string; exportedName: string; workers: Record<string, unknown> }> };
  return Object.entries(manifest.node).map(([id, entry]) => ({
    id,
    file: entry.filename,
    name: entry.exportedName,
    pages: Object.keys(entry.workers).map((worker) =>
      worker
        .replace(/^app/, "")
        .replace(/\/page$/, "")
        .replace(/\/\([^)]+\)/g, ""),
    ),
  }));
}

/** A browser-like HTTP client: its own cookie jar, the app's Origin on every request. */
export function client(baseURL: string): Promise<APIRequestContext> {
  return request.newContext({ baseURL, extraHTTPHeaders: { Origin: baseURL }, maxRedirects: 0 });
}

/** Signs in with email and password through Auth.js (CSRF token, then the credentials callback). */
export async function signInOverHttp(
  http: APIRequestContext,
  email: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<APIResponse> {
  const { csrfToken } = (await (await http.get("/api/auth/csrf")).json()) as { csrfToken: string };
  return http.post("/api/auth/callback/credentials", {
    form: { email, password, csrfToken, callbackUrl: "/user-management/users" },
    headers,
  });
}

export interface ActionCall {
  status: number;
  headers: Record<string, string>;
  /** The RSC payload as text (the action's answer is one of its rows). */
  body: string;
}

/**
 * Calls a server action as the client runtime does: `useActionState` actions receive
 * (previous state, form data), plain form actions (form data), others nothing.
 */
export async function callAction(
  http: APIRequestContext,
  action: Pick<ServerAction, "id">,
  page: string,
  fields: Record<string, string> | null,
  options: { withState?: boolean; headers?: Record<string, string> } = {},
): Promise<ActionCall> {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields ?? {})) form.set(key, value);
  const args = fields === null ? [] : options.withState ? [undefined, form] : [form];
  const encoded = await encodeReply(args);
  const response = await http.post(page, {
    headers: { "Next-Action": action.id, Accept: "text/x-component", ...options.headers },
    ...(typeof encoded === "string" ? { data: encoded } : { multipart: encoded }),
  });
  return { status: response.status(), headers: response.headers(), body: await response.text() };
}

/** The action's return value: the RSC row its answer (`"a":"$@<row>"`) points to. */
export function answerOf(call: ActionCall): { ok?: boolean; message?: string } | null {
  const rows = new Map<string, string>();
  for (const line of call.body.split("\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) rows.set(line.slice(0, colon), line.slice(colon + 1));
  }
  try {
    const root = JSON.parse(rows.get("0") ?? "null") as { a?: unknown } | null;
    const ref = typeof root?.a === "string" ? /^\$@(\w+)$/.exec(root.a)?.[1] : undefined;
    return ref ? (JSON.parse(rows.get(ref) ?? "null") as { ok?: boolean; message?: string }) : null;
  } catch {
    return null;
  }
}

/** Every page and route handler of the production build, from Next's app-paths manifest. */
export function appRoutes(): { route: string; kind: "page" | "route" }[] {
  const manifest = JSON.parse(
    readFileSync(path.join(ROOT, ".next/server/app-paths-manifest.json"), "utf8"),
  ) as Record<string, string>;
  return Object.keys(manifest)
    .filter((key) => !/^\/_(not-found|global-error)\//.test(key))
    .map((key) => ({
      route: key.replace(/\/(page|route)$/, "").replace(/\/\([^)]+\)/g, "") || "/",
      kind: key.endsWith("/route") ? ("route" as const) : ("page" as const),
    }));
}
