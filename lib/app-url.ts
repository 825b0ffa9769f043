/** APP_URL, the dashboard's public base, without trailing slashes; undefined when not configured. */
export function configuredAppUrl(env: Record<string, string | undefined> = process.env): string | undefined {
  return env.APP_URL?.trim().replace(/\/+$/, "") || undefined;
}

/** An absolute URL of the dashboard, for links that leave it (emails). */
export function appUrl(path: string): string {
  const base = configuredAppUrl() ?? "http://localhost:3000";
  return `${base}${path.startsWith("/") ? path : `/${path}`}`;
}
