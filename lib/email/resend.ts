import { Resend } from "resend";
import { emailFrom, resendRequestsPerSecond } from "./config";
import { Pacer, retryAfterMs } from "./pacing";
import { redactSecrets } from "./redact";

export interface OutgoingEmail {
  to: string;
  subject: string;
  html: string;
  text: string;
}

export type ResendOutcome =
  | { ok: true; ids: string[] }
  | {
      ok: false;
      error: string;
      /** 429, 5xx, network: worth another attempt later. */
      retriable: boolean;
    };

type ResendFailure = Extract<ResendOutcome, { ok: false }>;

/** How often one call waits out a 429 before it reports the failure (and the step retries). */
const RATE_LIMIT_ATTEMPTS = 3;

let client: { key: string; baseUrl: string | undefined; resend: Resend } | undefined;

// Created on first use: the SDK throws without a key, and the outbox default has none.
function resend(): Resend {
  const key = process.env.RESEND_API_KEY;
  if (!key) throw new Error("RESEND_API_KEY is not set.");
  const baseUrl = process.env.RESEND_BASE_URL;
  if (client?.key !== key || client.baseUrl !== baseUrl) client = { key, baseUrl, resend: new Resend(key) };
  return client.resend;
}

const pacer = new Pacer(1_000 / resendRequestsPerSecond());

interface ResendAnswer<T> {
  data: T | null;
  error: { message: string; statusCode: number | null; name: string } | null;
  headers: Record<string, string> | null;
}

/** One paced request; a 429 holds every caller until its `retry-after`, then tries again. */
async function paced<T>(
  request: () => Promise<ResendAnswer<T>>,
): Promise<{ ok: true; data: T } | ResendFailure> {
  for (let attempt = 1; ; attempt++) {
    await pacer.wait();
    const { data, error, headers } = await request();
    if (!error && data) return { ok: true, data };
    const status = error?.statusCode ?? null;
    if (status === 429 && attempt < RATE_LIMIT_ATTEMPTS) {
      pacer.pauseUntil(Date.now() + retryAfterMs(headers?.["retry-after"]));
      continue;
    }
    return {
      ok: false,
      retriable:
        status === null ||
        status === 429 ||
        status >= 500 ||
        error?.name === "concurrent_idempotent_requests",
      error: redactSecrets(
        `Resend ${status ?? "network error"} ${error?.name ?? ""}: ${error?.message ?? "no answer"}`,
      ),
    };
  }
}

const payload = (email: OutgoingEmail) => ({ from: emailFrom(), ...email });

export async function sendOne(email: OutgoingEmail, idempotencyKey: string): Promise<ResendOutcome> {
  const answer = await paced(() => resend().emails.send(payload(email), { idempotencyKey }));
  return answer.ok ? { ok: true, ids: [answer.data.id] } : answer;
}

/** Up to 100 emails in one request (Resend's batch limit); ids come back in the same order. */
export async function sendBatch(emails: OutgoingEmail[], idempotencyKey: string): Promise<ResendOutcome> {
  const answer = await paced(() => resend().batch.send(emails.map(payload), { idempotencyKey }));
  return answer.ok ? { ok: true, ids: answer.data.data.map((d) => d.id) } : answer;
}
