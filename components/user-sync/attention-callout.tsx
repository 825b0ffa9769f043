import Link from "next/link";
import { plural } from "@/emails/components/format";

/** The sync page's pointer to Needs attention, while some of the directory's users are not imported. */
export function AttentionCallout({
  userSyncId,
  directory,
  count,
}: {
  userSyncId: string;
  /** How sentences name the sync's directory (`DIRECTORY_NAME`). */
  directory: string;
  count: number;
}) {
  if (count === 0) return null;
  return (
    <section
      aria-labelledby="attention-heading"
      className="mb-6 flex flex-wrap items-center justify-between gap-3 rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900"
    >
      <div>
        <h2 id="attention-heading" className="font-semibold">
          {plural(count, `${directory} user`)} not imported
        </h2>
        <p className="mt-0.5">
          Their Unique field value is missing or taken, or their data is invalid: see who, why, and what fixes
          it.
        </p>
      </div>
      <Link
        href={`/user-management/user-sync/${userSyncId}/attention`}
        className="font-semibold text-amber-950 underline underline-offset-2 hover:no-underline"
      >
        Needs attention ({count.toLocaleString("en")})
      </Link>
    </section>
  );
}
