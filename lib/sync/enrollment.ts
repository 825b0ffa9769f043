import type { Db } from "@/lib/db";
import { DEPROVISIONED } from "./types";

/**
 * Users of a sync whose enrollment email is due (Send Enrollment Email): created INVITED with no
 * `invitedAt`. The sender emails them and then calls `markInvited`.
 */
export async function pendingInvitations(db: Db, userSyncId: string, limit: number) {
  return db.directoryUser.findMany({
    where: {
      userSyncId,
      enrollmentStatus: "INVITED",
      invitedAt: null,
      email: { not: null },
      status: { not: DEPROVISIONED },
    },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take: limit,
    select: {
      id: true,
      organizationId: true,
      email: true,
      firstName: true,
      lastName: true,
      displayName: true,
    },
  });
}

/** Records that these users' invitations went out; returns how many were still pending. */
export async function markInvited(db: Db, ids: string[], at = new Date()): Promise<number> {
  const { count } = await db.directoryUser.updateMany({
    where: { id: { in: ids }, enrollmentStatus: "INVITED", invitedAt: null },
    data: { invitedAt: at },
  });
  return count;
}
