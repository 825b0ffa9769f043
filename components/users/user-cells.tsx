import Link from "next/link";
import type { ReactNode } from "react";
import { shownFrom, Td, Th } from "@/components/ui/table";
import type { DirectoryUser } from "@/lib/db";
import { statusLabel, UserStatus } from "./user-status";

/**
 * Where the columns of `UserCells` show in a `fit` table (`shownFrom`): the email in a table of
 * 448 px or more, the username from `usernameFrom`; narrower, they are on the user's page, which
 * the name links to.
 */
interface UserColumns {
  usernameFrom: keyof typeof shownFrom;
}

/** The head cells over `UserCells`. */
export function UserHeadCells({ usernameFrom }: UserColumns) {
  return (
    <>
      <Th>Name</Th>
      <Th className={shownFrom["@md"]}>Email</Th>
      <Th className={shownFrom[usernameFrom]}>Username</Th>
      <Th className="w-32">Status</Th>
    </>
  );
}

/**
 * A user's first cells in a table row: the name (a link to the user's details), email, username
 * and status, each with its full value as a `title` (cut to one line in a `fit` table). `missing`
 * stands in for a blank email or username. Okta's text is isolated (`<bdi>`): a bidi control in it
 * cannot reorder what follows.
 */
export function UserCells({
  user,
  usernameFrom,
  missing = <span className="text-slate-500">—</span>,
}: UserColumns & {
  user: Pick<DirectoryUser, "id" | "name" | "email" | "username" | "status">;
  missing?: ReactNode;
}) {
  const name = user.name || user.email || user.username || "(no name)";
  return (
    <>
      <Td className="font-medium" title={name}>
        <Link href={`/user-management/users/${user.id}`} className="text-brand-700 hover:underline">
          <bdi>{name}</bdi>
        </Link>
      </Td>
      <Td className={shownFrom["@md"]} title={user.email ?? undefined}>
        {user.email === null ? missing : <bdi>{user.email}</bdi>}
      </Td>
      <Td className={shownFrom[usernameFrom]} title={user.username ?? undefined}>
        {user.username === null ? missing : <bdi>{user.username}</bdi>}
      </Td>
      <Td title={statusLabel(user.status)}>
        <UserStatus status={user.status} />
      </Td>
    </>
  );
}
