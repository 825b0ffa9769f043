import Link from "next/link";
import type { ReactNode } from "react";
import { Td, Th } from "@/components/ui/table";
import type { DirectoryUser } from "@/lib/db";
import { UserStatus } from "./user-status";

/** The head cells over `UserCells`. */
export function UserHeadCells() {
  return (
    <>
      <Th>Name</Th>
      <Th>Email</Th>
      <Th>Username</Th>
      <Th>Status</Th>
    </>
  );
}

/**
 * A user's first cells in a table row: the name (a link to the user's details), email, username
 * and status. `missing` stands in for a blank email or username. Okta's text is isolated (`<bdi>`):
 * a bidi control in it cannot reorder what follows.
 */
export function UserCells({
  user,
  missing = <span className="text-slate-500">—</span>,
}: {
  user: Pick<DirectoryUser, "id" | "name" | "email" | "username" | "status">;
  missing?: ReactNode;
}) {
  return (
    <>
      <Td className="font-medium">
        <Link href={`/user-management/users/${user.id}`} className="text-brand-700 hover:underline">
          <bdi>{user.name || user.email || user.username || "(no name)"}</bdi>
        </Link>
      </Td>
      <Td className="break-words">{user.email === null ? missing : <bdi>{user.email}</bdi>}</Td>
      <Td className="break-words">{user.username === null ? missing : <bdi>{user.username}</bdi>}</Td>
      <Td>
        <UserStatus status={user.status} />
      </Td>
    </>
  );
}
