import type { Role } from "@/lib/db/generated/enums";

/**
 * What each role may do: the one table both the UI (to hide what is refused) and the server
 * (to refuse it) read.
 */
const PERMISSIONS = {
  OWNER: [
    "users:read",
    "groups:read",
    "user-sync:read",
    "user-sync:manage",
    "sync-run:start",
    "sync-run:decide",
    "mailbox:read",
    "audit:read",
  ],
  ADMINISTRATOR: [
    "users:read",
    "groups:read",
    "user-sync:read",
    "user-sync:manage",
    "sync-run:start",
    "sync-run:decide",
    "mailbox:read",
  ],
  MEMBER: ["users:read", "groups:read"],
} as const satisfies Record<Role, readonly string[]>;

export type Permission = (typeof PERMISSIONS)["OWNER"][number];

export function can(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[role] as readonly Permission[]).includes(permission);
}
