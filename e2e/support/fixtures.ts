// Data the email and enrollment specs rely on, created before the app starts: a user sync of
// Acme with directory users holding known enrollment links (valid, expired, used), a sync report
// and an invitation in Acme's outbox, another organization's email, and an organization with an
// empty mailbox.
import { createHash } from "node:crypto";
import { hashPassword } from "@/lib/auth/password";
import type { Db } from "@/lib/db";
import { sendEnrollmentInvitations } from "@/lib/email/enrollment-invitations";
import { sendSyncReport } from "@/lib/email/sync-emails";
import { hashEnrollmentToken } from "@/lib/enrollment/tokens";
import { seedPassword } from "@/lib/seed";

/** A token as the app issues them (32 bytes, base64url), derived from a name so specs know it. */
const knownToken = (name: string) =>
  createHash("sha256").update(`e2e-enrollment-${name}`).digest("base64url");

export const ENROLLMENT = {
  valid: { token: knownToken("valid"), email: "vera.valid@acme.test", name: "Vera Valid" },
  twoTabs: { token: knownToken("two-tabs"), email: "tom.tabs@acme.test", name: "Tom Tabs" },
  /** Opened without JavaScript (no-javascript.spec.ts), never used: enrollment.spec.ts uses `valid`. */
  noScript: { token: knownToken("no-script"), email: "nora.noscript@acme.test", name: "Nora Noscript" },
  expired: { token: knownToken("expired"), email: "eddie.expired@acme.test", name: "Eddie Expired" },
  used: { token: knownToken("used"), email: "uma.used@acme.test", name: "Uma Used" },
  invited: { email: "ivy.invitee@acme.test", name: "Ivy Invitee" },
} as const;

export const REPORT_SUBJECT = "Okta Workspace sync report: Partial — 42 created, 7 updated, 1 failed";
/** An email of another organization: Acme's admins must get a 404 for it. */
export const OTHER_ORGANIZATION_EMAIL_ID = "e2e-globex-email";
/** The Administrator of an organization whose mailbox is empty. */
export const EMPTY_MAILBOX_ADMIN = { email: "ivan@initech.test", name: "Ivan Initech" };

const DAY = 86_400_000;

export async function prepareEmailFixtures(db: Db, { appUrl }: { appUrl: string }): Promise<void> {
  // Links in the fixture emails point at the e2e app, and nothing leaves the machine.
  process.env.APP_URL = appUrl;
  delete process.env.RESEND_API_KEY;

  const acme = await db.organization.findUniqueOrThrow({ where: { slug: "acme" } });
  const [owner, admin] = await Promise.all([
    db.user.findUniqueOrThrow({ where: { email: "owner@acme.test" } }),
    db.user.findUniqueOrThrow({ where: { email: "admin@acme.test" } }),
  ]);
  const sync = await db.userSync.create({
    data: {
      organizationId: acme.id,
      name: "Acme Okta",
      domain: "acme.okta.com",
      credentialCiphertext: "e2e-fixture-not-a-ciphertext",
      credentialHint: "e2e0",
      enrollmentType: "SEND_ENROLLMENT_EMAIL",
      uniqueField: "EMAIL",
      createdById: owner.id,
    },
  });

  const now = Date.now();
  const links = [
    { ...ENROLLMENT.valid, expiresAt: new Date(now + 7 * DAY), usedAt: null },
    { ...ENROLLMENT.twoTabs, expiresAt: new Date(now + 7 * DAY), usedAt: null },
    { ...ENROLLMENT.noScript, expiresAt: new Date(now + 7 * DAY), usedAt: null },
    { ...ENROLLMENT.expired, expiresAt: new Date(now - DAY), usedAt: null },
    { ...ENROLLMENT.used, expiresAt: new Date(now + 7 * DAY), usedAt: new Date(now - DAY) },
  ];
  for (const link of links) {
    const [firstName, lastName] = link.name.split(" ");
    await db.directoryUser.create({
      data: {
        organizationId: acme.id,
        userSyncId: sync.id,
        externalId: `e2e-${link.email}`,
        email: link.email,
        emailKey: link.email,
        firstName,
        lastName,
        status: "ACTIVE",
        enrollmentStatus: link.usedAt ? "ENROLLED" : "INVITED",
        invitedAt: new Date(now - 2 * DAY),
        enrolledAt: link.usedAt,
        emailVerified: Boolean(link.usedAt),
        enrollmentTokens: {
          create: {
            tokenHash: hashEnrollmentToken(link.token),
            expiresAt: link.expiresAt,
            usedAt: link.usedAt,
          },
        },
      },
    });
  }

  // A new user as the sync engine leaves them; the real invitation goes to the outbox.
  await db.directoryUser.create({
    data: {
      organizationId: acme.id,
      userSyncId: sync.id,
      externalId: "e2e-invitee",
      email: ENROLLMENT.invited.email,
      emailKey: ENROLLMENT.invited.email,
      displayName: ENROLLMENT.invited.name,
      status: "ACTIVE",
      enrollmentStatus: "INVITED",
    },
  });
  await sendEnrollmentInvitations(db, sync.id);

  const run = await db.syncRun.create({
    data: {
      organizationId: acme.id,
      userSyncId: sync.id,
      trigger: "MANUAL",
      status: "PARTIAL",
      phase: "DONE",
      startedById: admin.id,
      startedAt: new Date(now - 10 * 60_000),
      finishedAt: new Date(now - 8 * 60_000),
      usersCreated: 42,
      usersUpdated: 7,
      usersUnchanged: 310,
      usersFailed: 1,
      groupsCreated: 3,
      membershipsAdded: 58,
      items: {
        create: { kind: "ERROR", userKey: "no-email-user", reason: "No value for the unique field Email." },
      },
    },
  });
  await sendSyncReport(db, run.id);

  // The directory fixtures use Globex too: whichever runs first creates it.
  const globex = await db.organization.upsert({
    where: { slug: "globex" },
    update: {},
    create: { name: "Globex", slug: "globex" },
  });
  await db.email.create({
    data: {
      id: OTHER_ORGANIZATION_EMAIL_ID,
      organizationId: globex.id,
      template: "sync-report",
      to: "hank@globex.test",
      subject: "Globex only",
      html: "<p>Globex only</p>",
      text: "Globex only",
      status: "STORED",
      provider: "outbox",
    },
  });

  const initech = await db.organization.create({ data: { name: "Initech", slug: "initech" } });
  await db.user.create({
    data: {
      ...EMPTY_MAILBOX_ADMIN,
      passwordHash: await hashPassword(seedPassword()),
      memberships: { create: { organizationId: initech.id, role: "ADMINISTRATOR" } },
    },
  });
}
