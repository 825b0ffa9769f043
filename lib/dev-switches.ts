/**
 * Development switches turn a defence off so that the app can run against local stand-ins: the
 * Inngest dev server or local runner (INNGEST_DEV: `/api/inngest` stops checking signatures), the
 * fake Okta (OKTA_ALLOW_INSECURE_LOCALHOST: the Domain Name may be plain http on loopback), and the
 * fake Entra ID and Google (ENTRA_DEV_URL, GOOGLE_DEV_URL: their syncs talk to that local origin
 * instead of Microsoft's and Google's hosts).
 * Left set on a production server they would open it, so under NODE_ENV=production each is
 * refused unless ALLOW_DEVELOPMENT_SWITCHES_IN_PRODUCTION=1 says it is meant (the e2e suite and
 * the bench run the production build against those stand-ins).
 */

/** Each switch, and which of its values turn it on. */
const SWITCHES = {
  // "1" or a URL selects the SDK's dev mode; "0" or "false" is the SDK's cloud mode.
  INNGEST_DEV: (value: string) => !/^(0|false)$/i.test(value),
  OKTA_ALLOW_INSECURE_LOCALHOST: (value: string) => value === "1",
  ENTRA_DEV_URL: (value: string) => value.length > 0,
  GOOGLE_DEV_URL: (value: string) => value.length > 0,
} satisfies Record<string, (value: string) => boolean>;

export type DevelopmentSwitch = keyof typeof SWITCHES;

const warned = new Set<DevelopmentSwitch>();

/**
 * Whether `name` is on. Throws when it is on under NODE_ENV=production without the override;
 * with the override, says so on stderr once per process.
 */
export function developmentSwitchOn(
  name: DevelopmentSwitch,
  env: Record<string, string | undefined> = process.env,
): boolean {
  const value = env[name]?.trim();
  if (!value || !SWITCHES[name](value)) return false;
  if (env.NODE_ENV !== "production") return true;
  if (env.ALLOW_DEVELOPMENT_SWITCHES_IN_PRODUCTION !== "1") {
    throw new Error(
      `${name} is a development switch that turns a defence off, refused under NODE_ENV=production: unset it (see docs/operations.md), or set ALLOW_DEVELOPMENT_SWITCHES_IN_PRODUCTION=1 if this server is a test stand.`,
    );
  }
  if (!warned.has(name)) {
    warned.add(name);
    console.error(
      `SECURITY WARNING: ${name} is on in production (ALLOW_DEVELOPMENT_SWITCHES_IN_PRODUCTION=1). This server is fit for tests only.`,
    );
  }
  return true;
}

/** The local stand-in's origin a directory's switch names (`ENTRA_DEV_URL`, `GOOGLE_DEV_URL`), when on. */
export function developmentUrl(
  name: "ENTRA_DEV_URL" | "GOOGLE_DEV_URL",
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  return developmentSwitchOn(name, env) ? env[name]?.trim() : undefined;
}
