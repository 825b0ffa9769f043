import Link from "next/link";

/** Previous/next links that keep the current filters and swap the cursor. */
export function Pager({
  basePath,
  params,
  next,
  prev,
  label,
}: {
  basePath: string;
  params: Record<string, string | undefined>;
  next: string | null;
  prev: string | null;
  label: string;
}) {
  const href = (cursor: Record<string, string>) => {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v && k !== "after" && k !== "before") search.set(k, v);
    for (const [k, v] of Object.entries(cursor)) search.set(k, v);
    return `${basePath}?${search.toString()}`;
  };
  const linkClass =
    "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium hover:bg-slate-50";
  const disabledClass = "rounded-md border border-slate-200 px-3 py-1.5 text-sm text-slate-500";
  return (
    <nav aria-label={label} className="mt-4 flex justify-end gap-2">
      {prev ? (
        <Link href={href({ before: prev })} className={linkClass} rel="prev">
          ← Previous
        </Link>
      ) : (
        <span className={disabledClass} aria-disabled="true">
          ← Previous
        </span>
      )}
      {next ? (
        <Link href={href({ after: next })} className={linkClass} rel="next">
          Next →
        </Link>
      ) : (
        <span className={disabledClass} aria-disabled="true">
          Next →
        </span>
      )}
    </nav>
  );
}
