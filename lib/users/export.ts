import type { Db } from "@/lib/db";
import { type CsvColumn, csvStream, EXPORT_PAGE_SIZE } from "@/lib/export/csv";
import { fileDate } from "@/lib/export/response";
import { type ExportedUser, type UserListQuery, usersToExport } from "./queries";

const ENROLLMENT = { NONE: null, INVITED: "Invited", ENROLLED: "Enrolled" } as const;

/** Directory data only, as the Users page and a user's page show it (times in UTC, ISO 8601). */
export const USER_COLUMNS: CsvColumn<ExportedUser>[] = [
  { header: "Name", value: (u) => u.name },
  { header: "Email", value: (u) => u.email },
  { header: "Username", value: (u) => u.username },
  { header: "Status", value: (u) => u.status },
  { header: "Enrollment", value: (u) => ENROLLMENT[u.enrollmentStatus] },
  { header: "Email verified", value: (u) => (u.emailVerified ? "yes" : "no") },
  { header: "Source", value: (u) => u.source ?? "Dashboard" },
  { header: "Okta id", value: (u) => u.externalId },
  { header: "Created", value: (u) => u.createdAt.toISOString() },
  { header: "Updated", value: (u) => u.updatedAt.toISOString() },
];

/** The Users page's query as CSV, every user it matches in its order, named `Acme users 2025-12-06`. */
export function usersCsv(
  db: Db,
  organization: { organizationId: string; organizationName: string },
  q: UserListQuery,
  pageSize = EXPORT_PAGE_SIZE,
) {
  return {
    name: `${organization.organizationName} users ${fileDate(new Date())}`,
    body: csvStream(USER_COLUMNS, usersToExport(db, organization.organizationId, q, pageSize)),
  };
}
