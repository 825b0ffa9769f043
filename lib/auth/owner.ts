import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { Db, Prisma } from "@/lib/db";
import { hashPassword } from "./password";

const ownerInput = z.object({
  // Lower-cased: sign-in looks emails up lower-cased.
  email: z.string().trim().toLowerCase().email("Not an email address."),
  name: z.string().trim().max(200).optional(),
  organization: z.string().trim().min(1, "Name the organization.").max(200),
  password: z.string().min(12, "The password needs at least 12 characters.").max(1024),
});

export type OwnerInput = z.input<typeof ownerInput>;

export type CreateOwnerResult =
  | { ok: true; organizationId: string; userId: string; email: string }
  | { ok: false; message: string };

/**
 * A new organization with its Owner, who signs in with this email and password: how a production
 * install gets its first account (nothing seeds one). Refuses an email that already has an
 * account rather than touch it.
 */
export async function createOwner(db: Db, input: OwnerInput): Promise<CreateOwnerResult> {
  const parsed = ownerInput.safeParse(input);
  if (!parsed.success) return { ok: false, message: parsed.error.issues.map((i) => i.message).join(" ") };
  const { email, name, organization, password } = parsed.data;
  if (await db.user.findUnique({ where: { email } }))
    return { ok: false, message: `${email} already has an account: nothing was created.` };
  const passwordHash = await hashPassword(password);
  // The organization, the user and the membership exist together or not at all.
  return db.$transaction(async (tx) => {
    const { id: organizationId } = await tx.organization.create({
      data: { name: organization, slug: await freeSlug(tx, organization) },
    });
    const { id: userId } = await tx.user.create({
      data: {
        email,
        name: name || null,
        passwordHash,
        memberships: { create: { organizationId, role: "OWNER" } },
      },
    });
    return { ok: true as const, organizationId, userId, email };
  });
}

async function freeSlug(db: Prisma.TransactionClient, name: string): Promise<string> {
  const slug =
    name
      .normalize("NFKD")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "") || "organization";
  const taken = await db.organization.findUnique({ where: { slug } });
  return taken ? `${slug}-${randomBytes(3).toString("hex")}` : slug;
}
