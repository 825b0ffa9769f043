export const DEFAULT_EMAIL_FROM = "Dashboard <no-reply@example.com>";

export type EmailProvider = "resend" | "outbox";

/** Resend when RESEND_API_KEY is set; otherwise every email is kept in the database outbox. */
export function emailProvider(): EmailProvider {
  return process.env.RESEND_API_KEY ? "resend" : "outbox";
}

export function emailFrom(): string {
  return process.env.EMAIL_FROM || DEFAULT_EMAIL_FROM;
}

/** Resend's default limit is 2 requests per second per team; raised limits are set here. */
export function resendRequestsPerSecond(): number {
  const value = Number(process.env.RESEND_REQUESTS_PER_SECOND);
  return value > 0 ? value : 2;
}
