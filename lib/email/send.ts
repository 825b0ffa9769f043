import { createHash } from "node:crypto";
import type { Db, Email } from "@/lib/db";
import { emailProvider } from "./config";
import { type OutgoingEmail, type ResendOutcome, sendBatch, sendOne } from "./resend";

export type EmailTemplate = "sync-report" | "enrollment-invitation" | "safeguard-alert" | "sync-health-alert";

export interface EmailMessage extends OutgoingEmail {
  template: EmailTemplate;
  /**
   * Names the logical email (e.g. `enrollment-invitation:<directoryUserId>`): a second call with
   * the same key returns the recorded email instead of sending again.
   */
  idempotencyKey: string;
  organizationId?: string | null;
  syncRunId?: string | null;
  directoryUserId?: string | null;
}

/** Resend's limit for one batch request. */
export const MAX_BATCH_SIZE = 100;

/**
 * A failure worth another attempt (429, 5xx, network). The email stays QUEUED with the error
 * recorded, and this is thrown so the Inngest step retries; permanent failures are FAILED and final.
 */
export class RetriableEmailError extends Error {
  override name = "RetriableEmailError";
}

/**
 * Sends one email through Resend (`POST /emails`), or keeps it in the outbox when Resend is not
 * configured. Always recorded; a permanent failure comes back as a FAILED row, a retriable one
 * throws RetriableEmailError. A key already SENT, STORED or FAILED is returned as it is.
 */
export async function sendEmail(db: Db, message: EmailMessage): Promise<Email> {
  const rows = await deliver(db, [message], (pending) =>
    sendOne(content(only(pending)), message.idempotencyKey),
  );
  return only(rows);
}

/**
 * Sends up to 100 emails in one Resend batch request (`POST /emails/batch`), or keeps them in the
 * outbox. Returns the rows in the order of `messages`.
 */
export async function sendEmailBatch(db: Db, messages: EmailMessage[]): Promise<Email[]> {
  if (messages.length > MAX_BATCH_SIZE) throw new Error(`A batch holds at most ${MAX_BATCH_SIZE} emails.`);
  return deliver(db, messages, (rows) => sendBatch(rows.map(content), batchKey(rows)));
}

async function deliver(
  db: Db,
  messages: EmailMessage[],
  send: (pending: Email[]) => Promise<ResendOutcome>,
): Promise<Email[]> {
  if (messages.length === 0) return [];
  const keys = messages.map((m) => m.idempotencyKey);
  if (new Set(keys).size !== keys.length) throw new Error("Each email needs its own idempotency key.");
  const provider = emailProvider();
  const status = provider === "outbox" ? "STORED" : "QUEUED";
  // The unique key makes this the claim: a retried step finds the rows of its first attempt.
  await db.email.createMany({
    data: messages.map((m) => ({ ...m, status, provider })),
    skipDuplicates: true,
  });
  const pending = await db.email.findMany({
    where: { idempotencyKey: { in: keys }, status: "QUEUED" },
    orderBy: { idempotencyKey: "asc" },
  });
  if (pending.length > 0) {
    if (provider === "outbox") await markStored(db, pending);
    else await sendPending(db, pending, send);
  }
  const rows = await db.email.findMany({ where: { idempotencyKey: { in: keys } } });
  const byKey = new Map(rows.map((r) => [r.idempotencyKey, r]));
  return keys.map((key) => byKey.get(key) as Email);
}

async function markStored(db: Db, pending: Email[]): Promise<void> {
  await db.email.updateMany({
    where: { id: { in: pending.map((e) => e.id) } },
    data: { status: "STORED", provider: "outbox", error: null },
  });
}

async function sendPending(db: Db, pending: Email[], send: (pending: Email[]) => Promise<ResendOutcome>) {
  const outcome = await send(pending);
  if (!outcome.ok) {
    await db.email.updateMany({
      where: { id: { in: pending.map((e) => e.id) } },
      data: { status: outcome.retriable ? "QUEUED" : "FAILED", provider: "resend", error: outcome.error },
    });
    if (outcome.retriable) throw new RetriableEmailError(outcome.error);
    return;
  }
  const sentAt = new Date();
  await db.$transaction(
    pending.map((email, index) =>
      db.email.update({
        where: { id: email.id },
        data: {
          status: "SENT",
          provider: "resend",
          providerId: outcome.ids[index] ?? null,
          error: null,
          sentAt,
        },
      }),
    ),
  );
}

// A retry sends what the first attempt recorded, so Resend sees the same payload under the same key.
const content = ({ to, subject, html, text }: Email): OutgoingEmail => ({ to, subject, html, text });

/** The same set of emails always forms the same key, so Resend drops a batch it already accepted. */
function batchKey(rows: Email[]): string {
  const keys = rows.map((r) => r.idempotencyKey ?? r.id).sort();
  return `batch/${createHash("sha256").update(keys.join("\n")).digest("base64url")}`;
}

function only<T>(items: T[]): T {
  const [item] = items;
  if (items.length !== 1 || item === undefined) throw new Error(`Expected one email, got ${items.length}.`);
  return item;
}
