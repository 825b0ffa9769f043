import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { renderDashboard } from "./dashboard";
import type { Engine, Op } from "./engine";
import { eventTooLarge, jsonBytes, MAX_EVENT_BYTES } from "./limits";
import type { FunctionConfig, Registry } from "./registry";
import type { EventPayload, Run } from "./types";

/** The runner's HTTP API: Inngest's event and registration endpoints, plus its own run API and page. */
export function createRunnerServer(engine: Engine, registry: Registry): Server {
  return createServer((req, res) => {
    route(engine, registry, req, res).catch((error: Error) => {
      if (!res.headersSent) send(res, error instanceof SyntaxError ? 400 : 500, { error: error.message });
      else res.end();
    });
  });
}

async function route(engine: Engine, registry: Registry, req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? "/", "http://runner");
  const method = req.method ?? "GET";
  const [, first, second, third] = url.pathname.split("/");

  if (method === "POST" && first === "e") {
    const body = await readJson(req);
    const events = (Array.isArray(body) ? body : [body]) as Array<Partial<EventPayload>>;
    const seed = req.headers["x-inngest-event-id-seed"];
    // As Inngest's event API (pkg/api/api.go ReceiveEvent): events are taken in order until one
    // is over the size limit, which answers 400 with the ids taken so far.
    const tooLarge = events.findIndex((event) => jsonBytes(event) > MAX_EVENT_BYTES);
    try {
      const taken = tooLarge === -1 ? events : events.slice(0, tooLarge);
      const ids = engine.ingest(taken, typeof seed === "string" ? seed : undefined);
      if (tooLarge === -1) return send(res, 200, { ids, status: 200 });
      return send(res, 400, { ids, status: 400, error: eventTooLarge(jsonBytes(events[tooLarge])) });
    } catch (error) {
      return send(res, 400, { ids: [], status: 400, error: (error as Error).message });
    }
  }
  if (method === "POST" && url.pathname === "/fn/register") {
    const body = (await readJson(req)) as { appName?: string; url?: string; functions?: FunctionConfig[] };
    if (!body.appName || !body.url || !Array.isArray(body.functions)) {
      return send(res, 400, { status: 400, error: "appName, url and functions are required" });
    }
    const modified = registry.register(body.appName, body.url, body.functions);
    return send(res, 200, { status: 200, modified, skipped: false });
  }
  if (method === "POST" && first === "v1" && second === "checkpoint" && third) {
    const body = (await readJson(req)) as { qi_id?: string; steps?: Op[] };
    const answer = engine.checkpoint(decodeURIComponent(third), String(body.qi_id), body.steps ?? []);
    return send(res, answer.status, answer.body);
  }
  if (method === "GET" && url.pathname === "/functions") return send(res, 200, registry.listApps());
  if (method === "GET" && url.pathname === "/runs") return send(res, 200, engine.list().map(summarize));
  if (first === "runs" && second) {
    const run = engine.get(second);
    if (!run) return send(res, 404, { error: "no such run" });
    if (method === "GET" && !third) return send(res, 200, run);
    const fromPage = req.headers["content-type"]?.startsWith("application/x-www-form-urlencoded");
    if (method === "POST" && third === "cancel") {
      const cancelled = engine.cancel(run.id, "cancelled from the runner's API");
      return fromPage ? redirect(res, `/?run=${run.id}`) : send(res, 200, { cancelled });
    }
    if (method === "POST" && third === "replay") {
      const replay = engine.replay(run.id);
      return fromPage ? redirect(res, `/?run=${replay?.id}`) : send(res, 200, { id: replay?.id });
    }
  }
  if (method === "GET" && url.pathname === "/") {
    const html = renderDashboard(registry.listApps(), engine.list(), url.searchParams.get("run"));
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    return res.end(html);
  }
  send(res, 404, { error: `no route for ${method} ${url.pathname}` });
}

/** A run without its step data, for lists. */
function summarize(run: Run) {
  const { steps, stack, waits, requests, history, ...summary } = run;
  return { ...summary, eventName: run.event.name, stepCount: Object.keys(history).length };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? JSON.parse(text) : {};
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function redirect(res: ServerResponse, location: string) {
  res.writeHead(303, { location });
  res.end();
}
