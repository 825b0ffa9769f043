/**
 * Removes credentials from text that goes into an email or the Email table (provider errors,
 * run errors): Okta `SSWS` and bearer tokens, Resend keys, and the configured Resend key itself.
 */
export function redactSecrets(text: string): string {
  let redacted = text
    .replace(/\b(SSWS|Bearer)\s+[^\s"',;]+/gi, "$1 [redacted]")
    .replace(/\bre_[A-Za-z0-9_]{8,}/g, "[redacted]");
  const key = process.env.RESEND_API_KEY;
  if (key) redacted = redacted.split(key).join("[redacted]");
  return redacted;
}
