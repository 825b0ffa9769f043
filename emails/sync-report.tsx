import { Heading, Link, Section, Text } from "@react-email/components";
import type { SyncProvider, SyncRunStatus, SyncTrigger } from "@/lib/db/generated/enums";
import { CHANGE_SOURCE } from "@/lib/user-sync/run-mode";
import {
  formatDateTime,
  formatDuration,
  formatNumber,
  type PendingRemovals,
  pendingRemovalsText,
  plural,
} from "./components/format";
import { colors, DetailTable, EmailButton, EmailLayout, LinkFallback, styles } from "./components/layout";

/** The statuses a run ends in: each one sends a report. */
export type FinishedRunStatus = Exclude<SyncRunStatus, "QUEUED" | "RUNNING">;

export interface SyncRunCounts {
  usersCreated: number;
  usersUpdated: number;
  usersUnchanged: number;
  usersDeleted: number;
  usersDeprovisioned: number;
  usersFailed: number;
  groupsCreated: number;
  groupsUpdated: number;
  groupsDeleted: number;
  membershipsAdded: number;
  membershipsRemoved: number;
}

/** The pending counts: what the run would remove, while it waits at the safeguard. */
export interface SyncReportEmailProps extends PendingRemovals {
  organizationName: string;
  providerLabel: string;
  /** Which directory the sync reads, for how the run read it. */
  provider: SyncProvider;
  syncName: string;
  status: FinishedRunStatus;
  trigger: SyncTrigger;
  /** Name and email of the admin who started the run; null for scheduled runs. */
  startedBy: string | null;
  startedAt: Date;
  durationMs: number | null;
  counts: SyncRunCounts;
  /** The first per-user errors; `errorCount` is how many there are in all. */
  errors: { userKey: string | null; reason: string }[];
  errorCount: number;
  /** Why the run failed or stopped, when it did. */
  runError: string | null;
  /** How the run read its directory (`runReadingLabel`: "Delta (System Log)", …); null if it never started. */
  reading: string | null;
  /** System Log changes a delta run read; null for the other runs. */
  logChanges: number | null;
  /** Why the run could not use the System Log, and what it did instead. */
  fallback: string | null;
  runUrl: string;
  /** The sync's Okta users not imported now (Needs attention), after this run. */
  attentionCount: number;
  attentionUrl: string;
}

const STATUS: Record<
  FinishedRunStatus,
  { label: string; color: string; background: string; summary: string }
> = {
  SUCCEEDED: {
    label: "Succeeded",
    color: "#047857",
    background: "#ecfdf5",
    summary: "Every user and group was synced.",
  },
  PARTIAL: {
    label: "Partial",
    color: "#b45309",
    background: "#fffbeb",
    summary: "The sync finished, but some users could not be imported.",
  },
  FAILED: {
    label: "Failed",
    color: "#b91c1c",
    background: "#fef2f2",
    summary: "The sync stopped before it finished.",
  },
  BLOCKED: {
    label: "Blocked",
    color: "#b45309",
    background: "#fffbeb",
    summary:
      "The sync would remove more users than the safeguard allows. It waits for an Owner or Administrator to approve or reject it.",
  },
  CANCELLED: {
    label: "Cancelled",
    color: "#475569",
    background: "#f1f5f9",
    summary: "The sync was cancelled before it finished.",
  },
};

const TRIGGER: Record<SyncTrigger, string> = { MANUAL: "Manual", SCHEDULED: "Scheduled", REPLAY: "Replay" };
const NO_STARTER: Record<SyncTrigger, string> = {
  MANUAL: "A former member",
  SCHEDULED: "The sync's schedule",
  REPLAY: "A replay from Inngest",
};

export function syncReportSubject({
  providerLabel,
  status,
  counts,
}: Pick<SyncReportEmailProps, "providerLabel" | "status" | "counts">): string {
  const parts = [
    `${formatNumber(counts.usersCreated)} created`,
    `${formatNumber(counts.usersUpdated)} updated`,
  ];
  const removed = counts.usersDeleted + counts.usersDeprovisioned;
  if (removed) parts.push(`${formatNumber(removed)} removed`);
  if (counts.usersFailed) parts.push(`${formatNumber(counts.usersFailed)} failed`);
  return `${providerLabel} sync report: ${STATUS[status].label} — ${parts.join(", ")}`;
}

export default function SyncReportEmail(props: SyncReportEmailProps) {
  const { counts, status } = props;
  const look = STATUS[status];
  const startedBy = props.startedBy ?? NO_STARTER[props.trigger];
  return (
    <EmailLayout
      preview={syncReportSubject(props)}
      organizationName={props.organizationName}
      footer={`You receive this report because you started this sync, or own its schedule, in ${props.organizationName}'s dashboard.`}
    >
      <Text style={{ ...styles.muted, margin: "0 0 6px" }}>
        {props.providerLabel} · {props.syncName}
      </Text>
      <Heading as="h1" style={styles.heading}>
        Sync report:{" "}
        <span
          style={{
            color: look.color,
            backgroundColor: look.background,
            padding: "2px 8px",
            borderRadius: "4px",
          }}
        >
          {look.label}
        </span>
      </Heading>
      <Text style={styles.paragraph}>{look.summary}</Text>
      {props.runError && (
        <Text
          style={{
            ...styles.paragraph,
            padding: "10px 12px",
            backgroundColor: "#fef2f2",
            borderRadius: "6px",
            color: "#7f1d1d",
          }}
        >
          {props.runError}
        </Text>
      )}
      {props.fallback && (
        <Text
          style={{
            ...styles.paragraph,
            padding: "10px 12px",
            backgroundColor: "#fffbeb",
            borderRadius: "6px",
            color: "#78350f",
          }}
        >
          {`${CHANGE_SOURCE[props.provider].notUsed}. ${props.fallback}`}
        </Text>
      )}
      {status === "BLOCKED" && props.pendingRemovals !== null && (
        <Text style={styles.paragraph}>
          Waiting for approval: {pendingRemovalsText(props)} would be removed.
        </Text>
      )}

      <Text style={styles.sectionTitle}>Run</Text>
      <DetailTable
        rows={[
          ["Trigger", TRIGGER[props.trigger]],
          ["Started by", startedBy],
          ["Started", formatDateTime(props.startedAt)],
          ["Duration", props.durationMs === null ? "—" : formatDuration(props.durationMs)],
          ...(props.reading
            ? [[`How ${CHANGE_SOURCE[props.provider].directory} was read`, props.reading] as [string, string]]
            : []),
          ...(props.logChanges === null
            ? []
            : [
                [CHANGE_SOURCE[props.provider].changesRead, formatNumber(props.logChanges)] as [
                  string,
                  string,
                ],
              ]),
        ]}
      />

      <Text style={styles.sectionTitle}>Users</Text>
      <DetailTable
        rows={[
          ["Created", formatNumber(counts.usersCreated)],
          ["Updated", formatNumber(counts.usersUpdated)],
          ["Unchanged", formatNumber(counts.usersUnchanged)],
          ["Deleted", formatNumber(counts.usersDeleted)],
          ["Deprovisioned", formatNumber(counts.usersDeprovisioned)],
          ["Failed", formatNumber(counts.usersFailed)],
        ]}
      />

      <Text style={styles.sectionTitle}>Groups and memberships</Text>
      <DetailTable
        rows={[
          ["Groups created", formatNumber(counts.groupsCreated)],
          ["Groups updated", formatNumber(counts.groupsUpdated)],
          ["Groups deleted", formatNumber(counts.groupsDeleted)],
          ["Memberships added", formatNumber(counts.membershipsAdded)],
          ["Memberships removed", formatNumber(counts.membershipsRemoved)],
        ]}
      />

      {props.errors.length > 0 && (
        <>
          <Text style={styles.sectionTitle}>
            {props.errorCount > props.errors.length
              ? `First ${props.errors.length} of ${formatNumber(props.errorCount)} errors`
              : plural(props.errorCount, "error")}
          </Text>
          <Section style={{ marginBottom: "8px" }}>
            {props.errors.map((error, index) => (
              <Text
                // biome-ignore lint/suspicious/noArrayIndexKey: errors are a fixed, ordered list
                key={index}
                style={{ ...styles.paragraph, fontSize: "14px", lineHeight: "20px", margin: "0 0 8px" }}
              >
                <strong>{error.userKey ?? "Unknown user"}</strong>
                {`: ${error.reason}`}
              </Text>
            ))}
          </Section>
        </>
      )}

      {props.attentionCount > 0 && (
        <>
          <Text style={styles.sectionTitle}>Needs attention</Text>
          <Text style={styles.paragraph}>
            {`${plural(props.attentionCount, "Okta user")} of this sync ${props.attentionCount === 1 ? "is" : "are"} not imported now (a duplicate Unique field, a missing value or invalid data). `}
            <Link href={props.attentionUrl} style={{ color: colors.brand }}>
              See who, why and what fixes it
            </Link>
            .
          </Text>
        </>
      )}

      <Section style={{ margin: "24px 0 16px" }}>
        <EmailButton href={props.runUrl}>View the run</EmailButton>
      </Section>
      <LinkFallback label="Or open this link:" href={props.runUrl} />
    </EmailLayout>
  );
}

SyncReportEmail.PreviewProps = {
  organizationName: "Acme",
  providerLabel: "Okta Workspace",
  provider: "OKTA",
  syncName: "Acme Okta",
  status: "PARTIAL",
  trigger: "MANUAL",
  startedBy: "Adam Admin (admin@acme.test)",
  startedAt: new Date("2026-11-29T09:30:00Z"),
  durationMs: 125_000,
  counts: {
    usersCreated: 120,
    usersUpdated: 3,
    usersUnchanged: 4_870,
    usersDeleted: 2,
    usersDeprovisioned: 1,
    usersFailed: 2,
    groupsCreated: 4,
    groupsUpdated: 1,
    groupsDeleted: 0,
    membershipsAdded: 310,
    membershipsRemoved: 12,
  },
  errors: [
    { userKey: "jane.doe", reason: "No value for the unique field Email." },
    { userKey: "sam@acme.test", reason: "Two Okta users have the same Email." },
  ],
  errorCount: 2,
  runError: null,
  reading: "Full",
  logChanges: null,
  fallback: null,
  pendingRemovals: null,
  pendingGroupRemovals: null,
  pendingMembershipRemovals: null,
  runUrl: "http://localhost:3000/user-management/user-sync/sync_1/runs/run_1",
  attentionCount: 3,
  attentionUrl: "http://localhost:3000/user-management/user-sync/sync_1/attention",
} satisfies SyncReportEmailProps;
