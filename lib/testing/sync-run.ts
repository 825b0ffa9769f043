import { randomBytes } from "node:crypto";
import type { Db } from "@/lib/db";

/** An organization with one Okta sync and a QUEUED manual run of it, as `SYNC DATA` leaves them. */
export async function createQueuedSyncRun(db: Db) {
  const suffix = randomBytes(4).toString("hex");
  const organization = await db.organization.create({
    data: { name: `Org ${suffix}`, slug: `org-${suffix}` },
  });
  const userSync = await db.userSync.create({
    data: {
      organizationId: organization.id,
      name: "Okta",
      domain: "acme.okta.com",
      tokenCiphertext: "not-a-real-ciphertext",
      tokenLast4: "abcd",
      enrollmentType: "ONLY_SYNC",
      uniqueField: "EMAIL",
    },
  });
  const syncRun = await db.syncRun.create({
    data: { organizationId: organization.id, userSyncId: userSync.id, trigger: "MANUAL" },
  });
  await db.userSync.update({ where: { id: userSync.id }, data: { activeRunId: syncRun.id } });
  return {
    organizationId: organization.id,
    userSyncId: userSync.id,
    syncRunId: syncRun.id,
  };
}
