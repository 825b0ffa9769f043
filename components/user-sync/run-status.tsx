import { Badge, type BadgeTone } from "@/components/ui/badge";
import type { SyncRunStatus } from "@/lib/db/generated/enums";

const STATUS: Record<SyncRunStatus, { label: string; tone: BadgeTone }> = {
  QUEUED: { label: "Queued", tone: "gray" },
  RUNNING: { label: "Running", tone: "blue" },
  SUCCEEDED: { label: "Succeeded", tone: "green" },
  PARTIAL: { label: "Partial", tone: "amber" },
  FAILED: { label: "Failed", tone: "red" },
  CANCELLED: { label: "Cancelled", tone: "gray" },
  BLOCKED: { label: "Waiting for approval", tone: "amber" },
};

export function RunStatus({ status }: { status: SyncRunStatus }) {
  return <Badge tone={STATUS[status].tone}>{STATUS[status].label}</Badge>;
}

export const TRIGGER_LABEL = { MANUAL: "Manual", SCHEDULED: "Scheduled", REPLAY: "Replay" } as const;

/** What started a run, as SYNC HISTORY says it: a preview says so whoever started it. */
export function triggerLabel(run: { trigger: keyof typeof TRIGGER_LABEL; preview: boolean }): string {
  return run.preview ? "Preview" : TRIGGER_LABEL[run.trigger];
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m ${s % 60}s` : `${Math.floor(m / 60)}h ${m % 60}m`;
}

export function formatWhen(date: Date | string | null): string {
  if (!date) return "—";
  return `${new Date(date).toISOString().replace("T", " ").slice(0, 16)} UTC`;
}
