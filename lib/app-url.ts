/** An absolute URL of the dashboard, for links that leave it (emails): APP_URL is its public base. */
export function appUrl(path: string): string {
  const base = (process.env.APP_URL || "http://localhost:3000").replace(/\/+$/, "");
  return `${base}${path.startsWith("/") ? path : `/${path}`}`;
}
