/** Grey blocks in the shape of a page header and a table, shown while a page's data loads. */
export function PageSkeleton({ label }: { label: string }) {
  return (
    <div role="status" aria-live="polite" className="animate-pulse">
      <span className="sr-only">{label}</span>
      <div className="mb-2 h-7 w-48 rounded bg-slate-200" />
      <div className="mb-6 h-4 w-96 max-w-full rounded bg-slate-200" />
      <div className="rounded-lg border border-slate-200 bg-white p-4">
        {Array.from({ length: 8 }, (_, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: static placeholder rows
          <div key={i} className="mb-3 h-4 rounded bg-slate-100 last:mb-0" />
        ))}
      </div>
    </div>
  );
}
