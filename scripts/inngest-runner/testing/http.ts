import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Route handlers as Next.js App Router calls them (what `serve()` from inngest/next exports). */
type Handler = (req: never, context: never) => Promise<Response>;
export interface RouteHandlers {
  GET: Handler;
  POST: Handler;
  PUT: Handler;
}

/**
 * Serves App Router route handlers from a plain Node HTTP server: the same `serve()` handler the
 * app exposes at /api/inngest, without starting Next.js.
 */
export async function serveRoutes(
  routes: Record<string, RouteHandlers>,
  port = 0,
): Promise<{ origin: string; server: Server }> {
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
      const handlers = routes[url.pathname];
      const method = req.method as keyof RouteHandlers;
      if (!handlers || !(method in handlers)) {
        res.writeHead(404).end();
        return;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const headers = new Headers();
      for (const [key, value] of Object.entries(req.headers))
        if (typeof value === "string") headers.set(key, value);
      const request = new Request(url, {
        method,
        headers,
        ...(method === "GET" ? {} : { body: Buffer.concat(chunks) }),
      });
      // App Router passes a Request (NextRequest extends it) and a route context the handler ignores.
      const handler = handlers[method] as (req: Request, context: unknown) => Promise<Response>;
      const response = await handler(request, {});
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch (error) {
      res.writeHead(500, { "content-type": "text/plain" }).end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
