/**
 * `Secure` (and `__Secure-`/`__Host-` names) for the session and CSRF cookies whenever the dashboard's
 * public URL is https, even when a proxy in front speaks plain http to the app and sends no
 * X-Forwarded-Proto. Unset AUTH_URL: Auth.js decides from each request's scheme.
 */
export function secureCookies(authUrl = process.env.AUTH_URL): boolean | undefined {
  return authUrl ? authUrl.startsWith("https:") : undefined;
}
