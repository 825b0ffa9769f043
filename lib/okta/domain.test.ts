import fc from "fast-check";
import ipaddr from "ipaddr.js";
import { describe, expect, it, vi } from "vitest";
import { hostileText } from "@/test-support/hostile";
import { domainOptionsFromEnv, isPublicAddress, type Resolve, validateOktaDomain } from "./domain";

const resolvesTo =
  (...addresses: string[]): Resolve =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
const notFound: Resolve = async () => {
  throw Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
};
const publicDns = resolvesTo("93.184.215.14", "2606:4700::1111");

async function message(input: string, options = {}) {
  const result = await validateOktaDomain(input, { resolve: publicDns, ...options });
  if (result.ok) throw new Error(`${input} was accepted as ${result.origin}`);
  return result.message;
}

describe("validateOktaDomain", () => {
  it.each([
    ["acme.okta.com", "https://acme.okta.com"],
    ["https://acme.okta.com/", "https://acme.okta.com"],
    ["  ACME.Okta.com  ", "https://acme.okta.com"],
    ["https://acme.okta.com:443", "https://acme.okta.com"],
    ["acme.okta.com.", "https://acme.okta.com"],
    ["dev-123.oktapreview.com", "https://dev-123.oktapreview.com"],
    ["acme.okta-emea.com", "https://acme.okta-emea.com"],
    ["acme.okta-gov.com", "https://acme.okta-gov.com"],
    ["acme.okta.mil", "https://acme.okta.mil"],
    ["acme.okta-miltest.com", "https://acme.okta-miltest.com"],
    ["acme.trex-gov.com", "https://acme.trex-gov.com"],
    ["login.acme-corp.example", "https://login.acme-corp.example"],
  ])("accepts %s as %s", async (input, origin) => {
    expect(await validateOktaDomain(input, { resolve: publicDns })).toEqual({ ok: true, origin });
  });

  it("explains what is wrong with what was typed", async () => {
    expect(await message("")).toMatch(/Enter your Okta domain/);
    expect(await message("{yourOktaDomain}")).toMatch(/placeholder/);
    expect(await message("https://{yourOktaDomain}/")).toMatch(/placeholder/);
    expect(await message("http://acme.okta.com")).toMatch(/https only: use https:\/\/acme\.okta\.com/);
    expect(await message("ftp://acme.okta.com")).toMatch(/https only/);
    expect(await message("https://acme.okta.com/oauth2/default")).toMatch(
      /without a path.*https:\/\/acme\.okta\.com/,
    );
    expect(await message("https://acme.okta.com/?x=1")).toMatch(/without a path or query/);
    expect(await message("https://acme.okta.com/#top")).toMatch(/without a path or query/);
    expect(await message("https://admin:pw@acme.okta.com")).toMatch(/user name and password/);
    expect(await message("https://acme.okta.com:8443")).toMatch(/Remove the port/);
    expect(await message("acme.okta.com.com")).toMatch(/did you mean acme\.okta\.com\?/);
    expect(await message("acme-admin.okta.com")).toMatch(/Admin Console.*acme\.okta\.com\./);
    expect(await message("okta.com")).toMatch(/org's own domain, e\.g\. acme\.okta\.com/);
    expect(await message("a.b.oktapreview.com")).toMatch(/org's own domain/);
    expect(await message("acme_corp.example.com")).toMatch(/not a valid domain/);
    expect(await message("intranet")).toMatch(/not a valid domain/);
    expect(await message("http://localhost:8290")).toMatch(/https only/);
  });

  it.each([
    "127.0.0.1",
    "10.0.0.1",
    "169.254.169.254",
    "2130706433",
    "0x7f000001",
    "0177.0.0.1",
    "0x7f.1",
    "[::1]",
    "https://[::ffff:127.0.0.1]",
    "93.184.215.14",
  ])("refuses the IP literal %s", async (input) => {
    expect(await message(input)).toMatch(/not an IP address/);
  });

  it.each([
    ["127.0.0.1", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "metadata"],
    ["169.254.10.10", "link-local"],
    ["100.64.0.1", "CGNAT"],
    ["0.0.0.0", "unspecified"],
    ["::1", "IPv6 loopback"],
    ["::", "IPv6 unspecified"],
    ["fe80::1", "IPv6 link-local"],
    ["fd00:ec2::254", "unique-local (EC2 metadata)"],
    ["::ffff:10.0.0.1", "IPv4-mapped private"],
    ["::ffff:169.254.169.254", "IPv4-mapped metadata"],
    ["64:ff9b::a00:1", "NAT64 of a private address"],
    ["224.0.0.1", "multicast"],
  ])("refuses a custom domain resolving to %s (%s)", async (address) => {
    expect(await message("okta.evil.example", { resolve: resolvesTo(address) })).toMatch(
      /resolves to .* not a public address/,
    );
  });

  it("refuses a custom domain when any one of its addresses is private", async () => {
    const resolve = resolvesTo("93.184.215.14", "10.0.0.7");
    expect(await message("okta.evil.example", { resolve })).toMatch(/10\.0\.0\.7/);
  });

  it("reports a custom domain that does not resolve", async () => {
    const result = await validateOktaDomain("sso.nowhere.example", { resolve: notFound });
    expect(result).toMatchObject({
      ok: false,
      reason: "dns",
      message: expect.stringMatching(/could not be found/),
    });
  });

  it("does not resolve Okta's own domains", async () => {
    expect(await validateOktaDomain("acme.okta.com", { resolve: notFound })).toEqual({
      ok: true,
      origin: "https://acme.okta.com",
    });
  });

  it("allows http(s) on localhost with a port only when explicitly enabled", async () => {
    const dev = { allowInsecureLocalhost: true };
    expect(await validateOktaDomain("http://127.0.0.1:8290", dev)).toEqual({
      ok: true,
      origin: "http://127.0.0.1:8290",
    });
    expect(await validateOktaDomain("http://localhost:8290/", dev)).toEqual({
      ok: true,
      origin: "http://localhost:8290",
    });
    expect(await message("http://127.0.0.1:8290")).toMatch(/https only/);
    expect(await message("http://127.0.0.1:8290/api", dev)).toMatch(/without a path/);
    expect(await message("http://10.0.0.1:8290", dev)).toMatch(/https only/);
    expect(domainOptionsFromEnv({ OKTA_ALLOW_INSECURE_LOCALHOST: "1" }).allowInsecureLocalhost).toBe(true);
    expect(domainOptionsFromEnv({}).allowInsecureLocalhost).toBe(false);
  });

  it("refuses OKTA_ALLOW_INSECURE_LOCALHOST on a production server unless the override is set", () => {
    const production = { NODE_ENV: "production", OKTA_ALLOW_INSECURE_LOCALHOST: "1" };
    expect(() => domainOptionsFromEnv(production)).toThrow(/OKTA_ALLOW_INSECURE_LOCALHOST.*refused/);
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const overridden = { ...production, ALLOW_DEVELOPMENT_SWITCHES_IN_PRODUCTION: "1" };
    expect(domainOptionsFromEnv(overridden).allowInsecureLocalhost).toBe(true);
    expect(error).toHaveBeenCalledWith(
      expect.stringMatching(/SECURITY WARNING: OKTA_ALLOW_INSECURE_LOCALHOST/),
    );
    error.mockRestore();
  });

  it("classifies public addresses", () => {
    expect(isPublicAddress("8.8.8.8")).toBe(true);
    expect(isPublicAddress("2606:4700::1111")).toBe(true);
    expect(isPublicAddress("::ffff:8.8.8.8")).toBe(true);
    expect(isPublicAddress("not-an-ip")).toBe(false);
  });
});

describe("hostile domains", () => {
  it.each([
    "127.1",
    "017700000001",
    "0x7f.0.0.1",
    "2130706433.",
    "%31%32%37.0.0.1",
    "①②⑦.0.0.1",
    "0.0.0.0",
    "[::]",
    "[::ffff:7f00:1]",
    "[0:0:0:0:0:ffff:127.0.0.1]",
    "[fd00:ec2::254]",
    "https://[::ffff:169.254.169.254]",
  ])("refuses %s, an IP address in disguise", async (input) => {
    expect(await message(input)).toMatch(/not an IP address/);
  });

  it.each([
    ["::127.0.0.1", "IPv4-compatible loopback"],
    ["0:0:0:0:0:ffff:127.0.0.1", "IPv4-mapped loopback, long form"],
    ["::ffff:7f00:1", "IPv4-mapped loopback, hex form"],
    ["2002:7f00:1::", "6to4 of loopback"],
    ["2001::1", "Teredo"],
    ["fec0::1", "IPv6 site-local"],
    ["198.18.0.1", "benchmarking"],
    ["255.255.255.255", "broadcast"],
  ])("refuses a custom domain resolving to %s (%s)", async (address) => {
    expect(await message("okta.evil.example", { resolve: resolvesTo(address) })).toMatch(
      /not a public address/,
    );
  });

  it("never throws; what it accepts is an https origin of a domain name, never an address", async () => {
    const typed = fc.oneof(
      hostileText(300),
      fc.domain(),
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc.ipV4().map((ip) => `https://${ip}`),
      fc.ipV6().map((ip) => `https://[${ip}]`),
    );
    await fc.assert(
      fc.asyncProperty(typed, async (input) => {
        const result = await validateOktaDomain(input, { resolve: publicDns });
        if (!result.ok) {
          expect(result.message).toMatch(/\S/);
          return;
        }
        const url = new URL(result.origin);
        expect(result.origin).toBe(`https://${url.hostname}`);
        expect(url.hostname).toMatch(/^[a-z0-9.-]+$/);
        expect(url.hostname).not.toMatch(/^[\d.]+$/);
      }),
      { numRuns: 500 },
    );
  });

  it("accepts a custom domain only when every address it resolves to is public", async () => {
    const address = fc.oneof(
      fc.ipV4(),
      fc.ipV4Extended(),
      fc.ipV6(),
      fc.ipV4().map((ip) => `::ffff:${ip}`),
      fc.constantFrom("127.0.0.1", "10.0.0.1", "169.254.169.254", "fd00:ec2::254", "::1"),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(address, { minLength: 1, maxLength: 4 }), async (addresses) => {
        const result = await validateOktaDomain("sso.acme.example", { resolve: resolvesTo(...addresses) });
        expect(result.ok).toBe(addresses.every(isPublicAddress));
        if (result.ok) for (const a of addresses) expect(ipaddr.process(a).range()).toBe("unicast");
      }),
      { numRuns: 300 },
    );
  });
});
