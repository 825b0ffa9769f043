import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface CapturedRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  /** What the capture answered. */
  status: number;
  /** A repeated Idempotency-Key whose first answer was given again (nothing new was sent). */
  replayed: boolean;
  at: number;
}

export interface CapturedEmail {
  id: string;
  from: string;
  to: string | string[];
  subject: string;
  html?: string;
  text?: string;
}

export type Failure =
  | { status: 429; retryAfter?: string }
  | { status: 500 | 502 | 503 }
  | { status: "network" };

export interface ResendCapture {
  /** For RESEND_BASE_URL. */
  url: string;
  apiKey: string;
  requests: CapturedRequest[];
  /** Emails accepted for delivery, in order; idempotent replays and refused requests add none. */
  delivered: CapturedEmail[];
  /** The next request gets this answer instead (one failure per call, queued in order). */
  failNext(failure: Failure): void;
  close(): Promise<void>;
}

const MAX_BATCH = 100;

/**
 * A local stand-in for Resend's API: `POST /emails` and `POST /emails/batch` with its answers
 * (ids, `{ data: [...] }` for batches, Resend-shaped errors), API-key check, Idempotency-Key
 * replay, and failures on command. The real SDK talks to it through RESEND_BASE_URL.
 */
export async function startResendCapture({ apiKey = "re_capture_test_key" } = {}): Promise<ResendCapture> {
  const requests: CapturedRequest[] = [];
  const delivered: CapturedEmail[] = [];
  const failures: Failure[] = [];
  const idempotent = new Map<string, { bodyHash: string; status: number; answer: unknown }>();

  const server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const path = new URL(req.url ?? "/", "http://capture").pathname;
    let body: unknown = null;
    try {
      body = raw ? JSON.parse(raw) : null;
    } catch {
      // recorded as null; refused below
    }
    const record = (status: number, replayed = false) =>
      requests.push({ path, headers: req.headers, body, status, replayed, at: Date.now() });

    const failure = failures.shift();
    if (failure?.status === "network") {
      record(0);
      req.socket.destroy();
      return;
    }
    if (failure) {
      record(failure.status);
      const headers: Record<string, string> =
        failure.status === 429 && failure.retryAfter ? { "retry-after": failure.retryAfter } : {};
      const name = failure.status === 429 ? "rate_limit_exceeded" : "internal_server_error";
      return answer(
        res,
        failure.status,
        error(failure.status, name, "Failure requested by the test."),
        headers,
      );
    }

    const authorization = req.headers.authorization;
    if (!authorization)
      return reply(401, error(401, "missing_api_key", "Missing API key in the authorization header."));
    if (authorization !== `Bearer ${apiKey}`)
      return reply(403, error(403, "invalid_api_key", "API key is invalid."));
    if (req.method !== "POST" || (path !== "/emails" && path !== "/emails/batch"))
      return reply(404, error(404, "not_found", "The requested endpoint does not exist."));

    const key = header(req, "idempotency-key");
    const bodyHash = createHash("sha256").update(raw).digest("hex");
    const earlier = key ? idempotent.get(`${path} ${key}`) : undefined;
    if (earlier) {
      if (earlier.bodyHash !== bodyHash)
        return reply(
          409,
          error(409, "invalid_idempotent_request", "Same idempotency key used with a different payload."),
        );
      record(earlier.status, true);
      return answer(res, earlier.status, earlier.answer);
    }

    const emails = path === "/emails" ? [body] : body;
    if (!Array.isArray(emails) || emails.length === 0 || emails.length > MAX_BATCH)
      return reply(422, error(422, "validation_error", `A batch holds 1 to ${MAX_BATCH} emails.`));
    const invalid = emails.findIndex((e) => !isEmail(e));
    if (invalid >= 0)
      return reply(
        422,
        error(422, "validation_error", `Email ${invalid} needs from, to, subject and html or text.`),
      );

    const accepted = (emails as Omit<CapturedEmail, "id">[]).map((e) => ({ id: randomUUID(), ...e }));
    delivered.push(...accepted);
    const result =
      path === "/emails" ? { id: accepted[0]?.id } : { data: accepted.map(({ id }) => ({ id })) };
    if (key) idempotent.set(`${path} ${key}`, { bodyHash, status: 200, answer: result });
    reply(200, result);

    function reply(status: number, payload: unknown) {
      record(status);
      answer(res, status, payload);
    }
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    requests,
    delivered,
    failNext: (failure) => failures.push(failure),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const error = (statusCode: number, name: string, message: string) => ({ statusCode, name, message });

function answer(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}) {
  // No keep-alive: a test that pauses longer than the server's idle timeout must not meet a closed socket.
  res.writeHead(status, { "content-type": "application/json", connection: "close", ...headers });
  res.end(JSON.stringify(payload));
}

function isEmail(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const e = value as Record<string, unknown>;
  return (
    typeof e.from === "string" &&
    (typeof e.to === "string" || Array.isArray(e.to)) &&
    typeof e.subject === "string" &&
    (typeof e.html === "string" || typeof e.text === "string")
  );
}
