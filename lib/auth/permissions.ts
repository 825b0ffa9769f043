import type { Role } from "@/lib/db/generated/enums";

/**
 * What each role may do: the one table both the UI (to hide what is refused) and the server
 * (to refuse it) read.
 */
const MEMBER = ["users:read", "groups:read"] as const;
const ADMINISTRATOR = [
  ...MEMBER,
  "user-sync:read",
  "user-sync:manage",
  "sync-run:start",
  "sync-run:decide",
  "mailbox:read",
] as const;
const OWNER = [...ADMINISTRATOR, "audit:read"] as const;

const PERMISSIONS = { OWNER, ADMINISTRATOR, MEMBER } as const satisfies Record<Role, readonly string[]>;

export type Permission = (typeof PERMISSIONS)["OWNER"][number];

export function can(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[role] as readonly Permission[]).includes(permission);
}
