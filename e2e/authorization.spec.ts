// The authorization matrix: every server action, route handler and page of the production build,
// enumerated from Next's manifests (a new one fails this spec until it is given an expectation),
// called over HTTP as an anonymous visitor, a Member, the Administrator of another organization,
// an Administrator and an Owner, and by an Owner with another organization's ids. A refused call
// answers a refusal and changes no row; a permitted one does its job (so the matrix cannot pass by
// everything failing).
import { readFileSync } from "node:fs";
import path from "node:path";
import type { APIRequestContext } from "@playwright/test";
import { encryptSecret, parseKeyring } from "@/lib/crypto/secrets";
import { credentialBinding } from "@/lib/user-sync/credential";
import { entraConnection, googleConnection } from "@/lib/user-sync/directories";
import { entraSyncInput, googleSyncInput } from "@/lib/user-sync/form";
import type { FakeOkta } from "@/scripts/fake-okta";
import {
  type ActionCall,
  answerOf,
  appRoutes,
  callAction,
  client,
  type ServerAction,
  serverActions,
  signInOverHttp,
} from "./support/actions";
import { createOrganization, type Organization, PASSWORD } from "./support/organizations";
import { type Stack, startApp } from "./support/stack";
import { expect, test } from "./support/stack-fixture";
import { createRun, createSync, runnerIdle, smallOkta, snapshot } from "./support/world";

const CALLERS = ["anonymous", "member", "foreignAdmin", "ownerWithForeignIds", "admin", "owner"] as const;
type Caller = (typeof CALLERS)[number];

const REFUSED = "You do not have permission to do that.";
const SIGNED_OUT = "Your session has ended. Sign in again.";

let home: Organization; // the organization whose records are targeted
let foreign: Organization; // another one: its Administrator, and its ids
let okta: FakeOkta;
const http = {} as Record<Caller, APIRequestContext>;

test.beforeAll(async ({ stack }) => {
  okta = await smallOkta();
  home = await createOrganization(stack.db, "Initrode");
  foreign = await createOrganization(stack.db, "Umbrella");
  const as = async (email: string | null) => {
    const context = await client(stack.url);
    if (email) expect((await signInOverHttp(context, email, PASSWORD)).status()).toBe(302);
    return context;
  };
  http.anonymous = await as(null);
  http.member = await as(home.member.email);
  http.foreignAdmin = await as(foreign.admin.email);
  http.admin = await as(home.admin.email);
  http.owner = await as(home.owner.email);
  http.ownerWithForeignIds = http.owner;
});
test.afterAll(async () => {
  await okta?.close();
});

/** The organization whose records a caller's call targets. */
const targetOf = (caller: Caller) => (caller === "ownerWithForeignIds" ? foreign : home);

interface Attempt {
  /** The action's page (dynamic segments filled in) and its form fields. */
  page: string;
  fields: Record<string, string> | null;
  /** Checks what a permitted call did; refused calls must leave every row as it was. */
  done?: (call: ActionCall) => Promise<void>;
}

interface ActionExpectation {
  /** Who may run it on the target's records; `public` actions need no session by design. */
  permitted: readonly Caller[] | "public";
  /** `useActionState` actions get (previous state, form data). */
  withState?: boolean;
  arrange: (stack: Stack, caller: Caller) => Promise<Attempt>;
}

const syncForm = (name: string) => ({
  name,
  domain: okta.url,
  token: "00matrix-token-0123456789",
  enrollmentType: "ONLY_SYNC",
  uniqueField: "EMAIL",
});

type Sync = Awaited<ReturnType<typeof createSync>>;

/**
 * An action that only an Owner or Administrator may run on a sync (`useActionState`): each
 * caller's attempt gets a new sync of the organization the caller targets.
 */
const onSync = (
  attempt: (sync: Sync, stack: Stack, caller: Caller) => Attempt | Promise<Attempt>,
): ActionExpectation => ({
  permitted: ["admin", "owner"],
  withState: true,
  arrange: async (stack, caller) =>
    attempt(await createSync(stack, targetOf(caller).id, okta), stack, caller),
});

const syncPage = (sync: Sync) => `/user-management/user-sync/${sync.id}`;

const SETTINGS = { enrollmentType: "ONLY_SYNC", uniqueField: "EMAIL" };
/** The Entra ID and Google Workspace forms' connection fields, for the stack's fake directories. */
const entraFields = (stack: Stack) => ({
  tenantId: stack.entra.tenantId,
  clientId: stack.entra.clientId,
  clientSecret: stack.entra.clientSecret,
});
const googleFields = (stack: Stack) => ({
  serviceAccountKey: stack.google.key,
  adminEmail: stack.google.adminEmail,
  customerId: "",
});

/** A sync of another directory in the organization a caller targets, as its CREATE leaves it. */
async function directorySync(stack: Stack, caller: Caller, provider: "ENTRA_ID" | "GOOGLE_WORKSPACE") {
  const connection =
    provider === "ENTRA_ID"
      ? entraConnection(entraSyncInput.parse({ name: "x", ...entraFields(stack), ...SETTINGS }))
      : googleConnection(googleSyncInput.parse({ name: "x", ...googleFields(stack), ...SETTINGS }));
  const secret = provider === "ENTRA_ID" ? stack.entra.clientSecret : stack.google.key;
  return stack.db.userSync.create({
    data: {
      ...connection,
      organizationId: targetOf(caller).id,
      name: `${provider} of ${caller} ${Math.random().toString(36).slice(2, 8)}`,
      credentialCiphertext: encryptSecret(
        secret,
        credentialBinding(connection),
        parseKeyring(stack.encryptionKeys),
      ),
      credentialHint: "hint",
      enrollmentType: "ONLY_SYNC",
      uniqueField: "EMAIL",
    },
  });
}

/** CREATE, SAVE and Test connection of another directory: Owners and Administrators, their own organization only. */
function directoryActions(provider: "ENTRA_ID" | "GOOGLE_WORKSPACE", slug: "entra" | "google") {
  const fields = (stack: Stack) => (provider === "ENTRA_ID" ? entraFields(stack) : googleFields(stack));
  const secret = provider === "ENTRA_ID" ? "clientSecret" : "serviceAccountKey";
  const onDirectorySync = (
    attempt: (sync: Sync, stack: Stack, caller: Caller) => Attempt,
  ): ActionExpectation => ({
    permitted: ["admin", "owner"],
    withState: true,
    arrange: async (stack, caller) => attempt(await directorySync(stack, caller, provider), stack, caller),
  });
  const Name = provider === "ENTRA_ID" ? "Entra" : "Google";
  return {
    [`create${Name}SyncAction`]: {
      permitted: ["admin", "owner", "foreignAdmin", "ownerWithForeignIds"],
      withState: true,
      arrange: async (stack: Stack, caller: Caller) => {
        const name = `${provider} created by ${caller}`;
        return {
          page: `/user-management/user-sync/new/${slug}`,
          fields: { name, ...fields(stack), ...SETTINGS },
          done: async (call: ActionCall) => {
            expect(call.headers["x-action-redirect"]).toMatch(/\/user-management\/user-sync\/\w+\?created=1/);
            const created = await stack.db.userSync.findMany({ where: { name } });
            expect(created.map((s) => s.organizationId)).toEqual([
              (caller === "foreignAdmin" ? foreign : home).id,
            ]);
          },
        };
      },
    } satisfies ActionExpectation,
    [`update${Name}SyncAction`]: onDirectorySync((sync, stack, caller) => ({
      page: `${syncPage(sync)}/edit`,
      fields: {
        name: `${Name} renamed by ${caller}`,
        ...fields(stack),
        [secret]: "",
        ...SETTINGS,
        userSyncId: sync.id,
      },
      done: async () => {
        const row = await stack.db.userSync.findUniqueOrThrow({ where: { id: sync.id } });
        expect(row.name).toBe(`${Name} renamed by ${caller}`);
        expect(row.credentialCiphertext).toBe(sync.credentialCiphertext);
      },
    })),
    // A blank secret means "the saved one": only a sync of the caller's own organization lends it.
    [`test${Name}ConnectionAction`]: onDirectorySync((sync, stack) => ({
      page: `/user-management/user-sync/new/${slug}`,
      fields: { ...fields(stack), [secret]: "", userSyncId: sync.id },
      done: async (call) => expect(answerOf(call)?.message).toMatch(/^Connected/),
    })),
  };
}

const DIRECTORY_ACTIONS: Record<string, ActionExpectation> = Object.fromEntries(
  Object.entries({
    ...directoryActions("ENTRA_ID", "entra"),
    ...directoryActions("GOOGLE_WORKSPACE", "google"),
  }).map(([name, expectation]) => [
    `app/(dashboard)/user-management/user-sync/directory-actions.ts#${name}`,
    expectation,
  ]),
);
const runOf = (stack: Stack, id: string) => stack.db.syncRun.findUniqueOrThrow({ where: { id } });

/** Every server action of the app, by `file#export`. */
const ACTIONS: Record<string, ActionExpectation> = {
  ...DIRECTORY_ACTIONS,
  "app/(dashboard)/user-management/user-sync/actions.ts#createUserSyncAction": {
    // Every Owner or Administrator creates one, in their own organization (checked below): there
    // are no ids to forge.
    permitted: ["admin", "owner", "foreignAdmin", "ownerWithForeignIds"],
    withState: true,
    arrange: async (stack, caller) => {
      const name = `Created by ${caller}`;
      return {
        page: "/user-management/user-sync/new/okta",
        fields: syncForm(name),
        done: async (call) => {
          expect(call.headers["x-action-redirect"]).toMatch(/\/user-management\/user-sync\/\w+\?created=1/);
          const created = await stack.db.userSync.findMany({ where: { name } });
          const own = caller === "foreignAdmin" ? foreign : home;
          expect(created.map((s) => s.organizationId)).toEqual([own.id]);
        },
      };
    },
  },
  "app/(dashboard)/user-management/user-sync/actions.ts#updateUserSyncAction": onSync(
    (sync, stack, caller) => ({
      page: `${syncPage(sync)}/edit`,
      fields: { ...syncForm(`Renamed by ${caller}`), token: "", userSyncId: sync.id },
      done: async () => {
        const row = await stack.db.userSync.findUniqueOrThrow({ where: { id: sync.id } });
        expect(row.name).toBe(`Renamed by ${caller}`);
        expect(row.credentialCiphertext).toBe(sync.credentialCiphertext);
      },
    }),
  ),
  "app/(dashboard)/user-management/user-sync/actions.ts#deleteUserSyncAction": onSync((sync, stack) => ({
    page: syncPage(sync),
    fields: { userSyncId: sync.id },
    done: async () => expect(await stack.db.userSync.count({ where: { id: sync.id } })).toBe(0),
  })),
  // A blank token means "the saved one": only a sync of the caller's own organization lends it.
  "app/(dashboard)/user-management/user-sync/actions.ts#testConnectionAction": onSync((sync) => {
    okta.clearRequests();
    return {
      page: "/user-management/user-sync/new/okta",
      fields: { domain: okta.url, token: "", userSyncId: sync.id },
      done: async (call) => expect(answerOf(call)?.message).toMatch(/^Connected to http:\/\/127\.0\.0\.1/),
    };
  }),
  "app/(dashboard)/user-management/user-sync/actions.ts#startSyncAction": onSync((sync, stack, caller) => ({
    page: syncPage(sync),
    fields: { userSyncId: sync.id },
    done: async (call) => {
      expect(answerOf(call)).toEqual({ ok: true, message: "Sync started. Progress is shown below." });
      await runnerIdle(stack);
      const runs = await stack.db.syncRun.findMany({ where: { userSyncId: sync.id } });
      // Finished (PARTIAL when some generated Okta users cannot be imported), started by the caller.
      expect(runs).toHaveLength(1);
      expect(["SUCCEEDED", "PARTIAL"]).toContain(runs[0]?.status);
      expect(runs[0]?.startedById).toBe(home[caller === "admin" ? "admin" : "owner"].userId);
    },
  })),
  "app/(dashboard)/user-management/user-sync/actions.ts#cancelRunAction": onSync(async (sync, stack) => {
    const run = await createRun(stack, sync, "QUEUED");
    return {
      page: syncPage(sync),
      fields: { syncRunId: run.id },
      done: async () => expect((await runOf(stack, run.id)).status).toBe("CANCELLED"),
    };
  }),
  "app/(dashboard)/user-management/user-sync/actions.ts#decideRunAction": onSync(async (sync, stack) => {
    const run = await createRun(stack, sync, "BLOCKED");
    return {
      page: syncPage(sync),
      fields: { syncRunId: run.id, decision: "approve" },
      done: async () => expect((await runOf(stack, run.id)).decision).toBe("APPROVED"),
    };
  }),
  "app/(dashboard)/actions.ts#switchOrganization": {
    // Any member, but only into an organization they belong to: the cookie is the side effect.
    permitted: ["member", "admin", "owner"],
    arrange: async (_stack, caller) => ({
      page: "/user-management/users",
      fields: { organizationId: targetOf(caller).id },
      done: async (call) => expect(call.headers["set-cookie"]).toContain(`active-org=${home.id}`),
    }),
  },
  "app/(dashboard)/actions.ts#signOutMember": {
    // Ends the caller's own session, whoever calls it.
    permitted: "public",
    arrange: async () => ({ page: "/user-management/users", fields: null }),
  },
  "app/enroll/[token]/actions.ts#enroll": {
    // Public: the people who enrol never sign in; the single-use token is the proof.
    permitted: "public",
    withState: true,
    arrange: async () => ({ page: "/enroll/forged", fields: { token: "forged-token" } }),
  },
  "app/sign-in/actions.ts#signInWithPassword": {
    permitted: "public",
    withState: true,
    arrange: async () => ({
      page: "/sign-in",
      fields: { email: home.owner.email, password: "wrong password", callbackUrl: "//evil.example" },
    }),
  },
  "app/sign-in/actions.ts#signInWithOidc": {
    permitted: "public",
    arrange: async () => ({ page: "/sign-in", fields: { callbackUrl: "/" } }),
  },
};

const keyOf = (action: ServerAction) => `${action.file}#${action.name}`;

test("every server action has an expectation, and every expectation an action", () => {
  expect(serverActions().map(keyOf).sort()).toEqual(Object.keys(ACTIONS).sort());
});

for (const action of serverActions()) {
  const expectation = ACTIONS[keyOf(action)];
  test(`server action ${action.name} (${action.file})`, async ({ stack }) => {
    test.skip(!expectation, "no expectation (the test above fails)");
    if (!expectation) return;
    const watched = [home.id, foreign.id];
    for (const caller of CALLERS) {
      const permitted = expectation.permitted === "public" || expectation.permitted.includes(caller);
      if (expectation.permitted === "public" && caller !== "anonymous") continue;
      const attempt = await expectation.arrange(stack, caller);
      const before = await snapshot(stack, watched);
      const call = await callAction(http[caller], action, attempt.page, attempt.fields, {
        withState: expectation.withState,
      });
      const what = `${action.name} as ${caller}`;
      expect(call.status, `${what}: ${call.body.slice(0, 300)}`).toBeLessThan(500);
      if (permitted) {
        await attempt.done?.(call);
        if (expectation.permitted === "public") expect(await snapshot(stack, watched), what).toBe(before);
        continue;
      }
      // Refused: an explicit refusal (or the sign-in page, or "not found" for another organization's
      // ids), no redirect into the app, and not one row changed.
      const answer = answerOf(call);
      if (caller === "anonymous") expect([SIGNED_OUT, undefined]).toContain(answer?.message);
      else if (caller === "member") expect(answer?.message ?? "").toBe(REFUSED);
      else expect(answer?.ok ?? false, `${what}: ${JSON.stringify(answer)}`).toBe(false);
      expect(call.headers["x-action-redirect"] ?? "/sign-in", what).toMatch(/^\/sign-in/);
      expect(call.headers["set-cookie"] ?? "", what).not.toContain("active-org=");
      if (/^test\w*ConnectionAction$/.test(action.name)) {
        expect(answer?.message ?? "", what).not.toMatch(/Connected/);
      }
      if (action.name === "testConnectionAction") {
        expect(
          okta.requests.filter((r) => r.path.startsWith("/api/")),
          `${what}: another organization's saved token reached Okta`,
        ).toEqual([]);
      }
      await runnerIdle(stack);
      expect(await snapshot(stack, watched), `${what} changed a row`).toBe(before);
    }
  });
}

/** Who may open each page and route handler (GET), by route. */
const ROUTES: Record<string, { permitted: readonly Caller[] | "public" | "inngest"; methods?: string[] }> = {
  "/": { permitted: "public" },
  "/sign-in": { permitted: "public" },
  "/enroll/[token]": { permitted: "public" },
  "/api/auth/[...nextauth]": { permitted: "public", methods: ["GET", "POST"] },
  "/api/inngest": { permitted: "inngest", methods: ["GET", "POST", "PUT"] },
  "/api/sync-runs/[runId]": { permitted: ["admin", "owner"], methods: ["GET"] },
  "/api/sync-runs/[runId]/export": { permitted: ["admin", "owner"], methods: ["GET"] },
  "/api/users/export": { permitted: ["member", "admin", "owner", "foreignAdmin"], methods: ["GET"] },
  "/user-management/users": { permitted: ["member", "admin", "owner", "foreignAdmin"] },
  "/user-management/users/[userId]": { permitted: ["member", "admin", "owner"] },
  "/user-management/user-groups": { permitted: ["member", "admin", "owner", "foreignAdmin"] },
  "/user-management/user-groups/[groupId]": { permitted: ["member", "admin", "owner"] },
  "/user-management/user-sync": { permitted: ["admin", "owner", "foreignAdmin"] },
  "/user-management/user-sync/new": { permitted: ["admin", "owner", "foreignAdmin"] },
  "/user-management/user-sync/new/okta": { permitted: ["admin", "owner", "foreignAdmin"] },
  "/user-management/user-sync/new/entra": { permitted: ["admin", "owner", "foreignAdmin"] },
  "/user-management/user-sync/new/google": { permitted: ["admin", "owner", "foreignAdmin"] },
  "/user-management/user-sync/[syncId]": { permitted: ["admin", "owner"] },
  "/user-management/user-sync/[syncId]/edit": { permitted: ["admin", "owner"] },
  "/user-management/user-sync/[syncId]/attention": { permitted: ["admin", "owner"] },
  "/user-management/user-sync/[syncId]/runs/[runId]": { permitted: ["admin", "owner"] },
  "/mailbox": { permitted: ["admin", "owner", "foreignAdmin"] },
  "/mailbox/[emailId]": { permitted: ["admin", "owner"] },
  "/audit-log": { permitted: ["owner"] },
};

test("every page and route handler has an expectation, and every expectation a route", () => {
  expect(
    appRoutes()
      .map((r) => r.route)
      .sort(),
  ).toEqual(Object.keys(ROUTES).sort());
});

test("route handlers export only the HTTP methods their expectation covers", () => {
  for (const { route, kind } of appRoutes().filter((r) => r.kind === "route")) {
    const source = readFileSync(path.join("app", route, "route.ts"), "utf8");
    const exported = [
      ...source.matchAll(/export\s+(?:const\s+\{([^}]*)\}|(?:const|async function|function)\s+(\w+))/g),
    ]
      .flatMap(([, list, single]) => (list ? list.split(",") : [single ?? ""]))
      .map((name) => name.trim())
      .filter((name) => /^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)$/.test(name));
    expect(exported.sort(), `${kind} ${route}`).toEqual(ROUTES[route]?.methods?.sort());
  }
});

test("/api/inngest answers only Inngest's signed requests when configured as in production", async ({
  stack,
}) => {
  const { INNGEST_DEV: _devOnly, ...environment } = stack.environment;
  const signingKey = `signkey-prod-${"0123456789abcdef".repeat(4)}`;
  const production = await startApp((url) => ({
    ...environment,
    AUTH_URL: url,
    APP_URL: url,
    INNGEST_SIGNING_KEY: signingKey,
  }));
  try {
    // Even with an Owner's session: a session is not Inngest's signature.
    const owner = await client(production.url);
    await signInOverHttp(owner, home.owner.email, PASSWORD);
    // (PUT is the deploy-time sync: anyone may ask the app to register its own functions with
    // Inngest, which runs nothing; offline here, it fails.)
    for (const method of ["GET", "POST"] as const) {
      const response = await owner.fetch(
        "/api/inngest?fnId=okta-workspace-user-sync-user-sync/run&stepId=step",
        {
          method,
          data: { event: { name: "user-sync/run.requested", data: {} }, steps: {}, ctx: {} },
        },
      );
      expect(response.status(), method).toBe(401);
      expect(await response.text(), method).not.toContain("function_count");
    }
  } finally {
    await production.stop();
  }
});

test("pages and route handlers answer each caller as expected, with no other organization's data", async ({
  stack,
}) => {
  // One record of each kind in each organization, to fill in the dynamic segments.
  const records = async (org: Organization) => {
    const sync = await createSync(stack, org.id, okta, `Pages of ${org.name}`);
    const run = await createRun(stack, sync, "SUCCEEDED");
    const user = await stack.db.directoryUser.create({
      data: { organizationId: org.id, name: `Secret person of ${org.name}`, status: "ACTIVE" },
    });
    const group = await stack.db.userGroup.create({
      data: { organizationId: org.id, name: `Secret group of ${org.name}` },
    });
    const seen = {
      firstSeenRunId: run.id,
      firstSeenAt: new Date(),
      lastSeenRunId: run.id,
      lastSeenAt: new Date(),
    };
    await stack.db.syncAttention.create({
      data: {
        userSyncId: sync.id,
        externalId: "00urefused",
        code: "DUPLICATE",
        reason: "Another directory user (00uother) has the same email",
        name: `Refused person of ${org.name}`,
        ...seen,
      },
    });
    const email = await stack.db.email.create({
      data: {
        organizationId: org.id,
        template: "sync-report",
        to: "x@x.test",
        subject: `Secret mail of ${org.name}`,
        html: "<p>x</p>",
        text: "x",
      },
    });
    return {
      syncId: sync.id,
      runId: run.id,
      userId: user.id,
      groupId: group.id,
      emailId: email.id,
      token: "t",
    };
  };
  const ids = { [home.id]: await records(home), [foreign.id]: await records(foreign) };
  // A refusal of Acme's sync that names another organization's user: the page must not show it.
  const acme = ids[home.id];
  const foreignUser = ids[foreign.id]?.userId;
  if (acme && foreignUser) {
    await stack.db.syncAttention.updateMany({
      where: { userSyncId: acme.syncId },
      data: { collidesWithUserId: foreignUser },
    });
  }
  for (const { route, kind } of appRoutes()) {
    const expectation = ROUTES[route];
    if (!expectation) continue;
    for (const caller of CALLERS) {
      // Without ids in the path, the Owner with foreign ids is just the Owner.
      if (caller === "ownerWithForeignIds" && !route.includes("[")) continue;
      const target = targetOf(caller);
      const path = route
        .replace("[...nextauth]", "session")
        .replace(
          /\[(\w+)\]/g,
          (_m, name: string) => ids[target.id]?.[name as keyof (typeof ids)[string]] ?? "x",
        );
      const response = await http[caller].get(path, { maxRedirects: 0 });
      const status = response.status();
      const body = await response.text();
      const what = `GET ${path} (${kind}) as ${caller}: ${status}`;
      expect(status, what).toBeLessThan(500);
      // Whatever the answer, never another organization's records.
      const outsiders = { anonymous: [home, foreign], foreignAdmin: [home] }[caller as string] ?? [foreign];
      for (const org of outsiders)
        expect(body.includes(`of ${org.name}`), `${what} shows ${org.name}'s records`).toBe(false);
      if (expectation.permitted === "public") continue;
      if (expectation.permitted === "inngest") {
        // Dev mode here (the local runner): in production only Inngest's signed requests are served
        // (app/api/inngest/route.test.ts). A session changes nothing either way.
        continue;
      }
      const permitted = expectation.permitted.includes(caller);
      if (permitted) expect(status, what).toBe(200);
      else if (caller === "anonymous") expect([307, 401], what).toContain(status);
      else if (caller === "member") expect(status, what).toBe(403);
      else expect([403, 404], what).toContain(status);
    }
  }
});
