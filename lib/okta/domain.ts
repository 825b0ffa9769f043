import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";
import { developmentSwitchOn } from "@/lib/dev-switches";

/**
 * What an admin types as the Okta domain is an address the server will connect to, so it is
 * checked like one: https, a bare origin, Okta's own hosts or a custom domain whose every DNS
 * address is public. The check is repeated at connection time (see `transport.ts`), because
 * DNS can change between saving the domain and the next sync.
 */

export interface ResolvedAddress {
  address: string;
  family: number;
}
/** DNS resolution, injectable for tests. */
export type Resolve = (hostname: string) => Promise<ResolvedAddress[]>;

export interface DomainOptions {
  /** Development only (OKTA_ALLOW_INSECURE_LOCALHOST=1, see lib/dev-switches.ts): allow http(s)://localhost or 127.0.0.1 with a port. */
  allowInsecureLocalhost?: boolean;
  resolve?: Resolve;
}

export type DomainFailure = { ok: false; reason: "invalid" | "dns" | "private_address"; message: string };
export type DomainCheck = { ok: true; origin: string } | DomainFailure;
export type ParsedDomain =
  | { ok: true; origin: string; host: string; kind: "okta" | "custom" | "local" }
  | DomainFailure;

const OKTA_DOMAIN_SUFFIXES = [
  "okta.com",
  "oktapreview.com",
  "okta-emea.com",
  "okta-gov.com",
  "okta.mil",
  "okta-miltest.com",
  "trex-gov.com",
];
const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);
const HOSTNAME =
  /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

export const defaultResolve: Resolve = (hostname) => lookup(hostname, { all: true, verbatim: true });

export const domainOptionsFromEnv = (
  env: Record<string, string | undefined> = process.env,
): DomainOptions => ({
  allowInsecureLocalhost: developmentSwitchOn("OKTA_ALLOW_INSECURE_LOCALHOST", env),
});

const invalid = (message: string): DomainFailure => ({ ok: false, reason: "invalid", message });

/** Syntax and policy only (no DNS): normalises `acme.okta.com` or `https://acme.okta.com/` to `https://acme.okta.com`. */
export function parseOktaDomain(input: string, options: DomainOptions = {}): ParsedDomain {
  const text = input.trim();
  if (!text) return invalid("Enter your Okta domain, e.g. acme.okta.com.");
  if (/[{}]|youroktadomain/i.test(text)) {
    return invalid("Replace the placeholder with your own Okta domain, e.g. acme.okta.com.");
  }
  let url: URL;
  try {
    url = new URL(SCHEME.test(text) ? text : `https://${text}`);
  } catch {
    return invalid(`"${text}" is not a domain name. Enter your Okta domain, e.g. acme.okta.com.`);
  }
  const host = url.hostname.replace(/\.$/, "");
  const origin = `${url.protocol}//${host}${url.port ? `:${url.port}` : ""}`;

  if (url.username || url.password) return invalid("Remove the user name and password from the domain.");
  if (url.pathname !== "/" || url.search || url.hash) {
    return invalid(`Enter only the domain, without a path or query: ${origin}.`);
  }
  if (LOCAL_HOSTS.has(host) && options.allowInsecureLocalhost && /^https?:$/.test(url.protocol)) {
    return { ok: true, origin, host, kind: "local" };
  }
  if (url.protocol !== "https:") {
    return invalid(`Okta is reached over https only: use https://${host}.`);
  }
  if (url.port) return invalid(`Remove the port: use https://${host}.`);
  if (isIP(host.replace(/^\[|\]$/g, ""))) {
    return invalid("Enter your Okta domain name, not an IP address (e.g. acme.okta.com).");
  }
  if (!HOSTNAME.test(host)) return invalid(`"${host}" is not a valid domain name.`);
  if (host.endsWith(".com.com"))
    return invalid(`The domain ends in .com.com: did you mean ${host.slice(0, -4)}?`);

  const suffix = OKTA_DOMAIN_SUFFIXES.find((s) => host === s || host.endsWith(`.${s}`));
  if (!suffix) return { ok: true, origin: `https://${host}`, host, kind: "custom" };
  const org = host.slice(0, -(suffix.length + 1));
  if (!org || org.includes(".")) return invalid(`Enter your org's own domain, e.g. acme.${suffix}.`);
  if (org.endsWith("-admin")) {
    return invalid(
      `${host} is the Admin Console's address; the API is on your org's domain: ${org.slice(0, -6)}.${suffix}.`,
    );
  }
  return { ok: true, origin: `https://${host}`, host, kind: "okta" };
}

/** Only ordinary public unicast addresses; IPv4-mapped IPv6 is judged as the IPv4 it carries. */
export function isPublicAddress(address: string): boolean {
  return ipaddr.isValid(address) && ipaddr.process(address).range() === "unicast";
}

/** Resolves `host` and refuses it unless every address is public (one private address is enough to refuse). */
export async function checkPublicHost(
  host: string,
  resolve: Resolve = defaultResolve,
): Promise<{ ok: true; addresses: ResolvedAddress[] } | DomainFailure> {
  let addresses: ResolvedAddress[];
  try {
    addresses = await resolve(host);
  } catch {
    addresses = [];
  }
  if (addresses.length === 0) {
    return { ok: false, reason: "dns", message: `${host} could not be found in DNS: check the spelling.` };
  }
  const blocked = addresses.find((a) => !isPublicAddress(a.address));
  if (blocked) {
    return {
      ok: false,
      reason: "private_address",
      message: `${host} resolves to ${blocked.address}, which is not a public address: the connector only connects to public hosts.`,
    };
  }
  return { ok: true, addresses };
}

/** The full check for a domain an admin typed: syntax, policy and, for custom domains, DNS. */
export async function validateOktaDomain(input: string, options: DomainOptions = {}): Promise<DomainCheck> {
  const parsed = parseOktaDomain(input, options);
  if (!parsed.ok) return parsed;
  if (parsed.kind === "custom") {
    const check = await checkPublicHost(parsed.host, options.resolve);
    if (!check.ok) return check;
  }
  return { ok: true, origin: parsed.origin };
}
