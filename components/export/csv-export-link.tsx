import type { ReactNode } from "react";
import { buttonClass } from "@/components/ui/button";

/**
 * A CSV download: a plain link with `download`, which works without JavaScript and, unlike
 * next/link, is never prefetched (a prefetch would run the export). Empty parameters are left out.
 */
export function CsvExportLink({
  path,
  params = {},
  children,
}: {
  path: string;
  params?: Record<string, string | undefined>;
  children: ReactNode;
}) {
  const query = new URLSearchParams(
    Object.entries(params).filter((entry): entry is [string, string] => Boolean(entry[1])),
  ).toString();
  return (
    <a href={query ? `${path}?${query}` : path} download className={buttonClass("secondary")}>
      <span aria-hidden>↓</span>
      {children}
    </a>
  );
}

/** A run's two exports: its changes and its errors. */
export function RunExportLinks({ runId }: { runId: string }) {
  const path = `/api/sync-runs/${runId}/export`;
  return (
    <>
      <CsvExportLink path={path} params={{ items: "changes" }}>
        Export changes (CSV)
      </CsvExportLink>
      <CsvExportLink path={path} params={{ items: "errors" }}>
        Export errors (CSV)
      </CsvExportLink>
    </>
  );
}
