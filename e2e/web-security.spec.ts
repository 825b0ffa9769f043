// The browser ↔ app boundary: security headers, the session cookie's attributes, server actions
// refused from a foreign origin, sign-in attempts limited per account and per address, and the
// audit log that Owners alone can read.
import type { APIResponse } from "@playwright/test";
import { callAction, client, serverActions, signInOverHttp } from "./support/actions";
import { createOrganization, type Organization, PASSWORD } from "./support/organizations";
import { startApp } from "./support/stack";
import { expect, test } from "./support/stack-fixture";
import { createSync, runnerIdle, smallOkta } from "./support/world";

let org: Organization;
test.beforeAll(async ({ stack }) => {
  org = await createOrganization(stack.db, "Hooli");
});

const setCookies = (response: APIResponse) =>
  response
    .headersArray()
    .filter((h) => h.name.toLowerCase() === "set-cookie")
    .map((h) => h.value);
const sessionCookie = (response: APIResponse) =>
  setCookies(response).find((c) => /authjs\.session-token=/.test(c));

test("every response carries the security headers", async ({ stack }) => {
  const http = await client(stack.url);
  await signInOverHttp(http, org.admin.email, PASSWORD);
  for (const path of ["/sign-in", "/user-management/users", "/api/sync-runs/unknown", "/api/auth/session"]) {
    const headers = (await http.get(path)).headers();
    const csp = headers["content-security-policy"] ?? "";
    for (const directive of [
      "default-src 'self'",
      "frame-ancestors 'none'",
      "object-src 'none'",
      "base-uri 'self'",
      "form-action 'self'",
    ])
      expect(csp, `${path}: ${directive}`).toContain(directive);
    expect(csp, path).not.toContain("unsafe-eval");
    expect(headers["x-frame-options"], path).toBe("DENY");
    expect(headers["x-content-type-options"], path).toBe("nosniff");
    expect(headers["referrer-policy"], path).toBe("strict-origin-when-cross-origin");
    expect(headers["strict-transport-security"], path).toMatch(/max-age=\d{8,}; includeSubDomains/);
    expect(headers["x-powered-by"], path).toBeUndefined();
  }
});

/** The sources `script-src` allows, from a Content-Security-Policy header. */
const scriptSources = (csp: string) =>
  (csp.split(";").find((d) => d.trim().startsWith("script-src")) ?? "").trim().split(/\s+/).slice(1);

test("pages carry a fresh nonce CSP without 'unsafe-inline' for scripts, and every script carries the nonce", async ({
  stack,
}) => {
  const http = await client(stack.url);
  await signInOverHttp(http, org.admin.email, PASSWORD);
  for (const path of ["/sign-in", "/user-management/users", "/enroll/unknown-link"]) {
    const nonces: string[] = [];
    for (let i = 0; i < 2; i++) {
      const response = await http.get(path);
      const sources = scriptSources(response.headers()["content-security-policy"] ?? "");
      expect(sources, path).toContain("'strict-dynamic'");
      expect(sources, path).not.toContain("'unsafe-inline'");
      const nonce = /^'nonce-([A-Za-z0-9+/=_-]{16,})'$/.exec(
        sources.find((s) => s.startsWith("'nonce-")) ?? "",
      )?.[1];
      expect(nonce, `${path}: a nonce in script-src`).toBeDefined();
      nonces.push(nonce as string);
      const scripts = (await response.text()).match(/<script\b[^>]*>/g) ?? [];
      expect(scripts.length, path).toBeGreaterThan(0);
      for (const tag of scripts) expect(tag, path).toContain(`nonce="${nonce}"`);
    }
    expect(nonces[0], `${path}: one nonce per request`).not.toBe(nonces[1]);
  }
});

test("under the nonce CSP, pages hydrate and the browser reports no violation", async ({ stack, page }) => {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy|Content-Security-Policy/i.test(message.text()))
      violations.push(message.text());
  });
  await page.goto(`${stack.url}/sign-in`);
  await page.getByLabel("Email").fill(org.admin.email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("member-name")).toBeVisible();
  // A client-side navigation keeps the window: only a hydrated router does that.
  await page.evaluate(() => Object.assign(window, { hydrationMark: true }));
  await page.getByRole("link", { name: "User Groups" }).first().click();
  await expect(page).toHaveURL(/\/user-management\/user-groups$/);
  expect(await page.evaluate(() => "hydrationMark" in window)).toBe(true);
  expect(violations).toEqual([]);
});

test("a malformed percent-escape in a dynamic route answers 400 or 404, never 500", async ({ stack }) => {
  const http = await client(stack.url);
  await signInOverHttp(http, org.admin.email, PASSWORD);
  const bad = "%E0%A4%A";
  for (const path of [
    `/user-management/users/${bad}`,
    `/user-management/user-groups/${bad}`,
    `/user-management/user-sync/${bad}`,
    `/user-management/user-sync/${bad}/edit`,
    `/user-management/user-sync/unknown/runs/${bad}`,
    `/mailbox/${bad}`,
    `/enroll/${bad}`,
    `/api/sync-runs/${bad}`,
  ]) {
    const status = (await http.get(path)).status();
    expect([400, 404], `${path}: ${status}`).toContain(status);
  }
});

test("the session cookie is HttpOnly and SameSite=Lax, and Secure when the dashboard is served over https", async ({
  stack,
}) => {
  const http = await client(stack.url);
  const cookie = sessionCookie(await signInOverHttp(http, org.member.email, PASSWORD));
  expect(cookie).toMatch(/;\s*HttpOnly/i);
  expect(cookie).toMatch(/;\s*SameSite=Lax/i);
  expect(cookie).toMatch(/;\s*Path=\//i);
  expect(cookie).not.toMatch(/;\s*Secure/i); // AUTH_URL is http here

  // The same app behind a TLS-terminating proxy: AUTH_URL is https, the proxy speaks http to it.
  const behindTls = await startApp(() => ({
    ...stack.environment,
    AUTH_URL: "https://dashboard.hooli.test",
  }));
  try {
    const csrf = await fetch(`${behindTls.url}/api/auth/csrf`);
    const csrfCookie = csrf.headers.getSetCookie().find((c) => c.includes("csrf-token")) ?? "";
    expect(csrfCookie).toMatch(/^__Host-authjs\.csrf-token=.*;\s*Secure/i);
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const signedIn = await fetch(`${behindTls.url}/api/auth/callback/credentials`, {
      method: "POST",
      redirect: "manual",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        cookie: csrfCookie.split(";")[0] ?? "",
      },
      body: new URLSearchParams({ email: org.member.email, password: PASSWORD, csrfToken }),
    });
    const secure = signedIn.headers.getSetCookie().find((c) => c.includes("session-token")) ?? "";
    expect(secure).toMatch(/^__Secure-authjs\.session-token=/);
    expect(secure).toMatch(/;\s*Secure/i);
    expect(secure).toMatch(/;\s*HttpOnly/i);
    expect(secure).toMatch(/;\s*SameSite=Lax/i);
  } finally {
    await behindTls.stop();
  }
});

test("a server action posted from another origin is refused and does nothing", async ({ stack }) => {
  const okta = await smallOkta();
  try {
    const sync = await createSync(stack, org.id, okta);
    const http = await client(stack.url);
    await signInOverHttp(http, org.admin.email, PASSWORD);
    const start = serverActions().find((a) => a.name === "startSyncAction");
    if (!start) throw new Error("startSyncAction is not in the build");
    const page = `/user-management/user-sync/${sync.id}`;
    for (const origin of ["https://evil.example", "http://localhost.evil.example", "null"]) {
      const call = await callAction(
        http,
        start,
        page,
        { userSyncId: sync.id },
        { withState: true, headers: { Origin: origin } },
      );
      expect(call.status, origin).toBeGreaterThanOrEqual(400);
      expect(call.body, origin).not.toContain("Sync started");
    }
    expect(await stack.db.syncRun.count({ where: { userSyncId: sync.id } })).toBe(0);
    // The same call from the app's own origin starts the run: the refusals above were the Origin's doing.
    const call = await callAction(http, start, page, { userSyncId: sync.id }, { withState: true });
    expect(call.body).toContain("Sync started");
    await runnerIdle(stack);
  } finally {
    await okta.close();
  }
});

test.describe("sign-in throttle", () => {
  const attempt = async (baseURL: string, email: string, password: string, address: string) => {
    const http = await client(baseURL);
    const response = await signInOverHttp(http, email, password, { "X-Forwarded-For": address });
    return { location: response.headers().location ?? "", session: sessionCookie(response) };
  };

  test("locks an account after five failures, even for the right password", async ({ stack }) => {
    const { member } = await createOrganization(stack.db, "Lockout");
    for (let i = 0; i < 5; i++) {
      const failed = await attempt(stack.url, member.email, `guess ${i}`, `203.0.113.${i + 1}`);
      expect(failed.location).toContain("error=CredentialsSignin");
      expect(failed.session).toBeUndefined();
    }
    const locked = await attempt(stack.url, member.email, PASSWORD, "203.0.113.99");
    expect(locked.location).toContain("code=throttled");
    expect(locked.session).toBeUndefined();
  });

  test("checks at most five of 40 simultaneous guesses at one account, then refuses the right password", async ({
    stack,
  }) => {
    const { member } = await createOrganization(stack.db, "Stampede");
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        attempt(stack.url, member.email, `guess ${i}`, `203.0.114.${i + 1}`),
      ),
    );
    // Each "incorrect" answer is a password check; the rest were refused before one.
    expect(outcomes.filter((o) => o.location.includes("code=credentials"))).toHaveLength(5);
    expect(outcomes.filter((o) => o.location.includes("code=throttled"))).toHaveLength(35);
    const locked = await attempt(stack.url, member.email, PASSWORD, "203.0.114.99");
    expect(locked.location).toContain("code=throttled");
    expect(locked.session).toBeUndefined();
  });

  test("locks an address after twenty failures across accounts, whatever the client writes before it in X-Forwarded-For", async ({
    stack,
  }) => {
    const victim = await createOrganization(stack.db, "Spray");
    for (let i = 0; i < 20; i++) {
      // A fresh forged "client address" each time: only the address the proxy appended counts.
      const failed = await attempt(stack.url, `nobody${i}@spray.test`, "guess", `10.9.${i}.1, 198.51.100.23`);
      expect(failed.location).toContain("error=CredentialsSignin");
    }
    const locked = await attempt(stack.url, victim.owner.email, PASSWORD, "10.99.0.1, 198.51.100.23");
    expect(locked.location).toContain("code=throttled");
    expect(locked.session).toBeUndefined();
    const elsewhere = await attempt(stack.url, victim.owner.email, PASSWORD, "198.51.100.24");
    expect(elsewhere.session).toBeDefined();
  });
});

test("the audit log shows Owners who did what, when, to what; Administrators and Members get 403", async ({
  stack,
  page,
}) => {
  const okta = await smallOkta();
  try {
    const shop = await createOrganization(stack.db, "Audited");
    const signInAs = async (email: string) => {
      await page.context().clearCookies();
      await page.goto(`${stack.url}/sign-in`);
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByTestId("member-name")).toBeVisible();
    };

    await signInAs(shop.owner.email);
    await expect(page.getByRole("link", { name: "Audit log" })).toBeVisible();
    await page.goto(`${stack.url}/audit-log`);
    await expect(page.getByRole("heading", { name: "Nothing recorded yet" })).toBeVisible();

    // An Administrator creates a sync and starts a run, over HTTP as the browser would.
    const http = await client(stack.url);
    await signInOverHttp(http, shop.admin.email, PASSWORD);
    const actions = serverActions();
    const create = actions.find((a) => a.name === "createUserSyncAction");
    const start = actions.find((a) => a.name === "startSyncAction");
    if (!create || !start) throw new Error("actions missing from the build");
    await callAction(
      http,
      create,
      "/user-management/user-sync/new/okta",
      {
        name: "Audited Okta",
        domain: okta.url,
        token: okta.token,
        enrollmentType: "ONLY_SYNC",
        uniqueField: "EMAIL",
      },
      { withState: true },
    );
    const sync = await stack.db.userSync.findFirstOrThrow({ where: { organizationId: shop.id } });
    await callAction(
      http,
      start,
      `/user-management/user-sync/${sync.id}`,
      { userSyncId: sync.id },
      { withState: true },
    );
    await runnerIdle(stack);

    await page.reload();
    const rows = page.getByRole("table", { name: "Audit log" }).getByRole("row");
    await expect(rows).toHaveCount(3);
    await expect(rows.nth(1)).toContainText("Started a sync run");
    await expect(rows.nth(1)).toContainText("Audited administrator");
    await expect(rows.nth(1)).toContainText("Run of Audited Okta");
    await expect(rows.nth(1)).toContainText("Trigger: SYNC DATA");
    await expect(rows.nth(2)).toContainText("Created the user sync");
    await expect(rows.nth(2).getByRole("link", { name: "Audited Okta" })).toHaveAttribute(
      "href",
      `/user-management/user-sync/${sync.id}`,
    );
    await expect(rows.nth(2).locator("time")).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);

    for (const who of [shop.admin, shop.member]) {
      await signInAs(who.email);
      await expect(page.getByRole("link", { name: "Audit log" })).toHaveCount(0);
      const response = await page.goto(`${stack.url}/audit-log`);
      expect(response?.status()).toBe(403);
      await expect(page.getByText("Started a sync run")).toHaveCount(0);
    }
  } finally {
    await okta.close();
  }
});
