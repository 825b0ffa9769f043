/** Grey rows in the shape of a table, shown while its data loads. */
export function TableSkeleton({ label }: { label: string }) {
  return (
    <div
      role="status"
      aria-live="polite"
      className="animate-pulse rounded-lg border border-slate-200 bg-white p-4"
    >
      <span className="sr-only">{label}</span>
      {Array.from({ length: 8 }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: static placeholder rows
        <div key={i} className="mb-3 h-4 rounded bg-slate-100 last:mb-0" />
      ))}
    </div>
  );
}
