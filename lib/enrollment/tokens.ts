import { createHash, randomBytes } from "node:crypto";
import { appUrl } from "@/lib/app-url";
import type { Db, DirectoryUser, Prisma } from "@/lib/db";

const DEFAULT_TTL_HOURS = 7 * 24;
/** 32 random bytes in base64url: what a link carries. Anything else is not one of ours. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function enrollmentLinkTtlHours(): number {
  const hours = Number(process.env.ENROLLMENT_LINK_TTL_HOURS);
  return hours > 0 ? hours : DEFAULT_TTL_HOURS;
}

/** Only this is stored: a database leak does not yield working links. */
export function hashEnrollmentToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** How the user is greeted: Okta's display name, else first and last name. */
export function directoryUserName(
  user: Pick<DirectoryUser, "displayName" | "firstName" | "lastName">,
): string | null {
  return user.displayName ?? ([user.firstName, user.lastName].filter(Boolean).join(" ") || null);
}

export function enrollmentUrl(token: string): string {
  return appUrl(`/enroll/${token}`);
}

/** A new single-use token for a directory user; the caller puts it in the link and forgets it. */
export async function createEnrollmentToken(
  db: Db,
  directoryUserId: string,
  { now = new Date(), ttlHours = enrollmentLinkTtlHours() } = {},
): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(now.getTime() + ttlHours * 3_600_000);
  await db.enrollmentToken.create({
    data: { directoryUserId, tokenHash: hashEnrollmentToken(token), expiresAt },
  });
  return { token, expiresAt };
}

/** What a link leads to. Only a valid link reveals whose it is. */
export type EnrollmentLink =
  | {
      state: "valid";
      organizationName: string;
      email: string | null;
      name: string | null;
      expiresAt: Date;
    }
  | { state: "expired" | "used" | "inactive"; organizationName: string }
  | { state: "unknown" };

/** Reads a link without changing anything (the page's GET). */
export async function inspectEnrollmentToken(
  db: Db | Prisma.TransactionClient,
  token: string,
  now = new Date(),
): Promise<EnrollmentLink> {
  if (!TOKEN_PATTERN.test(token)) return { state: "unknown" };
  const found = await db.enrollmentToken.findUnique({
    where: { tokenHash: hashEnrollmentToken(token) },
    include: { directoryUser: { include: { organization: { select: { name: true } } } } },
  });
  if (!found) return { state: "unknown" };
  const user = found.directoryUser;
  const organizationName = user.organization.name;
  if (found.usedAt) return { state: "used", organizationName };
  if (found.expiresAt <= now) return { state: "expired", organizationName };
  if (user.status === "DEPROVISIONED") return { state: "inactive", organizationName };
  return {
    state: "valid",
    organizationName,
    email: user.email,
    name: directoryUserName(user),
    expiresAt: found.expiresAt,
  };
}

export type RedeemResult =
  | { ok: true; organizationName: string; email: string | null }
  | { ok: false; link: Exclude<EnrollmentLink, { state: "valid" }> };

/**
 * Enrols the link's user: ENROLLED, enrolledAt, email verified, token used — in one transaction.
 * The token is claimed with a conditional update, so of two concurrent uses exactly one wins.
 */
export async function redeemEnrollmentToken(db: Db, token: string, now = new Date()): Promise<RedeemResult> {
  return db.$transaction(async (tx) => {
    const link = await inspectEnrollmentToken(tx, token, now);
    if (link.state !== "valid") return { ok: false, link };
    const claimed = await tx.enrollmentToken.updateMany({
      where: { tokenHash: hashEnrollmentToken(token), usedAt: null, expiresAt: { gt: now } },
      data: { usedAt: now },
    });
    if (claimed.count !== 1)
      return { ok: false, link: { state: "used", organizationName: link.organizationName } };
    await tx.directoryUser.updateMany({
      where: { enrollmentTokens: { some: { tokenHash: hashEnrollmentToken(token) } } },
      data: { enrollmentStatus: "ENROLLED", enrolledAt: now, emailVerified: true },
    });
    return { ok: true, organizationName: link.organizationName, email: link.email };
  });
}
