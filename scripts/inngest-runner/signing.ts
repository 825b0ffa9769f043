import { createHmac } from "node:crypto";
import { headerKeys } from "inngest";

/**
 * JSON with object keys sorted (RFC 8785, as the SDK's `canonicalize`): the SDK verifies a
 * signature over the canonical form of the body it parsed, so the runner sends that form.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value))
    return `[${value.map((item) => (item === undefined ? "null" : canonicalJson(item))).join(",")}]`;
  const entries = Object.entries(value)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
}

/**
 * Inngest Cloud's request signature: `t=<unix s>&s=<hex HMAC-SHA256 of body + t>`, keyed with the
 * signing key without its `signkey-<env>-` prefix (the SDK's signDataWithKey, helpers/net.js).
 */
export function signatureHeaders(body: string, signingKey: string | undefined): Record<string, string> {
  if (!signingKey) return { [headerKeys.InngestServerKind]: "dev" };
  const ts = Math.floor(Date.now() / 1000).toString();
  const key = signingKey.replace(/^signkey-\w+-/, "");
  const signature = createHmac("sha256", key)
    .update(body + ts)
    .digest("hex");
  return { [headerKeys.InngestServerKind]: "cloud", [headerKeys.Signature]: `t=${ts}&s=${signature}` };
}
