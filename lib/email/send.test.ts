import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createTestDb, type TestDb } from "@/test-support/db";
import { type EmailMessage, RetriableEmailError, sendEmail, sendEmailBatch } from "./send";
import { type ResendCapture, startResendCapture } from "./testing/resend-capture";

let t: TestDb;
let capture: ResendCapture;
beforeAll(async () => {
  t = await createTestDb();
  capture = await startResendCapture();
});
afterAll(async () => {
  await capture.close();
  await t.close();
});
afterEach(() => {
  vi.unstubAllEnvs();
  capture.requests.length = 0;
  capture.delivered.length = 0;
});

let n = 0;
const message = (overrides: Partial<EmailMessage> = {}): EmailMessage => {
  n += 1;
  return {
    template: "sync-report",
    to: `admin${n}@acme.test`,
    subject: `Report ${n}`,
    html: `<p>Report ${n}</p>`,
    text: `Report ${n}`,
    idempotencyKey: `test:${n}`,
    ...overrides,
  };
};

const rowsFor = (key: string) => t.db.email.findMany({ where: { idempotencyKey: key } });

describe("without RESEND_API_KEY: the database outbox", () => {
  beforeEach(() => vi.stubEnv("RESEND_API_KEY", ""));

  it("stores the email with provider outbox and sends nothing", async () => {
    const m = message();
    const email = await sendEmail(t.db, m);
    expect(email).toMatchObject({
      status: "STORED",
      provider: "outbox",
      providerId: null,
      to: m.to,
      subject: m.subject,
      html: m.html,
      text: m.text,
      template: "sync-report",
    });
    expect(capture.requests).toHaveLength(0);
  });

  it("keeps one row per idempotency key when called again", async () => {
    const m = message();
    const first = await sendEmail(t.db, m);
    const again = await sendEmail(t.db, { ...m, subject: "changed" });
    expect(again.id).toBe(first.id);
    expect(again.subject).toBe(m.subject);
    expect(await rowsFor(m.idempotencyKey)).toHaveLength(1);
  });

  it("stores batches too, in the order given", async () => {
    const messages = [message(), message(), message()];
    const emails = await sendEmailBatch(t.db, messages);
    expect(emails.map((e) => [e.to, e.status, e.provider])).toEqual(
      messages.map((m) => [m.to, "STORED", "outbox"]),
    );
  });
});

describe("with RESEND_API_KEY: the real Resend SDK against the capture server", () => {
  beforeEach(() => {
    vi.stubEnv("RESEND_API_KEY", capture.apiKey);
    vi.stubEnv("RESEND_BASE_URL", capture.url);
    vi.stubEnv("EMAIL_FROM", "Acme Dashboard <reports@acme.test>");
  });

  it("sends one email with POST /emails, its idempotency key and the configured sender, and records it", async () => {
    const m = message({ organizationId: null, syncRunId: "run-1" });
    const email = await sendEmail(t.db, m);
    expect(capture.requests).toHaveLength(1);
    const [request] = capture.requests;
    expect(request?.path).toBe("/emails");
    expect(request?.headers.authorization).toBe(`Bearer ${capture.apiKey}`);
    expect(request?.headers["idempotency-key"]).toBe(m.idempotencyKey);
    expect(request?.body).toMatchObject({
      from: "Acme Dashboard <reports@acme.test>",
      to: m.to,
      subject: m.subject,
      html: m.html,
      text: m.text,
    });
    expect(email).toMatchObject({ status: "SENT", provider: "resend", providerId: capture.delivered[0]?.id });
    expect(email.sentAt).toBeInstanceOf(Date);
    expect(email.syncRunId).toBe("run-1");
  });

  it("does not send again for a key already sent", async () => {
    const m = message();
    await sendEmail(t.db, m);
    await sendEmail(t.db, m);
    expect(capture.requests).toHaveLength(1);
    expect(await rowsFor(m.idempotencyKey)).toHaveLength(1);
  });

  it("waits out a 429 for its retry-after, then sends once", async () => {
    capture.failNext({ status: 429, retryAfter: "1" });
    const started = Date.now();
    const email = await sendEmail(t.db, message());
    expect(email.status).toBe("SENT");
    expect(capture.requests.map((r) => r.status)).toEqual([429, 200]);
    const [limited, accepted] = capture.requests;
    expect((accepted?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(capture.delivered).toHaveLength(1);
  });

  it("records a 5xx on the queued email and throws, so the Inngest step retries; the retry sends exactly once", async () => {
    const m = message();
    capture.failNext({ status: 500 });
    await expect(sendEmail(t.db, m)).rejects.toBeInstanceOf(RetriableEmailError);
    const [failed] = await rowsFor(m.idempotencyKey);
    expect(failed).toMatchObject({ status: "QUEUED", provider: "resend", providerId: null });
    expect(failed?.error).toBe("Resend 500 internal_server_error: Failure requested by the test.");

    const retried = await sendEmail(t.db, m); // what the step's retry does
    expect(retried).toMatchObject({ id: failed?.id, status: "SENT", error: null });
    expect(capture.delivered).toHaveLength(1);
    expect(capture.requests.map((r) => r.headers["idempotency-key"])).toEqual([
      m.idempotencyKey,
      m.idempotencyKey,
    ]);
  });

  it("treats a dropped connection as retriable", async () => {
    const m = message();
    capture.failNext({ status: "network" });
    await expect(sendEmail(t.db, m)).rejects.toThrow(/network error/);
    expect((await sendEmail(t.db, m)).status).toBe("SENT");
    expect(capture.delivered).toHaveLength(1);
  });

  it("when Resend accepted but the row was not updated, the retry is answered from Resend's idempotency, not sent again", async () => {
    const m = message();
    const sent = await sendEmail(t.db, m);
    await t.db.email.update({ where: { id: sent.id }, data: { status: "QUEUED", providerId: null } });
    const retried = await sendEmail(t.db, m);
    expect(retried).toMatchObject({ status: "SENT", providerId: sent.providerId });
    expect(capture.requests.map((r) => r.replayed)).toEqual([false, true]);
    expect(capture.delivered).toHaveLength(1);
  });

  it("records a refused API key as FAILED without throwing, never records the key, and does not try again", async () => {
    vi.stubEnv("RESEND_API_KEY", "re_wrong_key_123456");
    const m = message();
    const email = await sendEmail(t.db, m);
    expect(email).toMatchObject({ status: "FAILED", provider: "resend" });
    expect(email.error).toBe("Resend 403 invalid_api_key: API key is invalid.");
    expect(JSON.stringify(capture.requests)).toContain("re_wrong_key_123456"); // it was sent to the API…
    expect(JSON.stringify(await rowsFor(m.idempotencyKey))).not.toContain("re_wrong_key_123456"); // …never stored
    expect((await sendEmail(t.db, m)).status).toBe("FAILED");
    expect(capture.requests).toHaveLength(1);
    expect(capture.delivered).toHaveLength(0);
  });

  it("sends a batch in one POST /emails/batch and records each email with its own Resend id", async () => {
    const messages = [message(), message(), message()];
    const emails = await sendEmailBatch(t.db, messages);
    expect(capture.requests.map((r) => r.path)).toEqual(["/emails/batch"]);
    const body = capture.requests[0]?.body as { to: string; from: string }[];
    expect(body.map((e) => e.to).sort()).toEqual(messages.map((m) => m.to).sort());
    expect(body.every((e) => e.from === "Acme Dashboard <reports@acme.test>")).toBe(true);
    for (const email of emails) {
      const delivered = capture.delivered.find((d) => d.to === email.to);
      expect(email).toMatchObject({ status: "SENT", providerId: delivered?.id });
    }
    expect(capture.requests[0]?.headers["idempotency-key"]).toMatch(/^batch\//);
  });

  it("a batch retried after a 503 goes out once, under the same batch key; a third call sends nothing", async () => {
    const messages = [message(), message()];
    capture.failNext({ status: 503 });
    await expect(sendEmailBatch(t.db, messages)).rejects.toBeInstanceOf(RetriableEmailError);
    await sendEmailBatch(t.db, messages);
    await sendEmailBatch(t.db, messages);
    expect(capture.requests.map((r) => r.status)).toEqual([503, 200]);
    const [first, second] = capture.requests;
    expect(second?.headers["idempotency-key"]).toBe(first?.headers["idempotency-key"]);
    expect(capture.delivered).toHaveLength(2);
  });

  it("refuses more than 100 emails in a batch and duplicate keys", async () => {
    await expect(
      sendEmailBatch(
        t.db,
        Array.from({ length: 101 }, () => message()),
      ),
    ).rejects.toThrow(/at most 100/);
    const m = message();
    await expect(sendEmailBatch(t.db, [m, m])).rejects.toThrow(/own idempotency key/);
    expect(capture.requests).toHaveLength(0);
  });
});
