/**
 * The Content-Security-Policy of every page: scripts only from this origin or carrying the
 * request's nonce (Next.js puts it on its own scripts, read from this header), and whatever those
 * load ('strict-dynamic'), so an injected inline script does not run. Tailwind and React emit
 * inline styles, hence 'unsafe-inline' for styles only; React's development tools need eval.
 */
export function contentSecurityPolicy(nonce: string, production: boolean): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${production ? "" : " 'unsafe-eval'"}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'self'",
    "object-src 'none'",
  ].join("; ");
}

/** A fresh nonce: 128 random bits, base64. */
export function newNonce(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
}
