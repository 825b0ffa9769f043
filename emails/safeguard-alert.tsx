import { Section, Text } from "@react-email/components";
import type { DeletionPolicy } from "@/lib/db/generated/enums";
import { formatDateTime, formatNumber, type PendingRemovals, pendingRemovalsText } from "./components/format";
import {
  adminAlertFooter,
  DetailTable,
  EmailButton,
  EmailLayout,
  SyncAlertHeading,
  styles,
} from "./components/layout";

export interface SafeguardAlertEmailProps extends PendingRemovals {
  organizationName: string;
  providerLabel: string;
  syncName: string;
  /** Users the blocked run would delete or deprovision. */
  pendingRemovals: number;
  /** Users the sync holds now, to put the removals in proportion. */
  totalUsers: number;
  thresholdPercent: number;
  deletionPolicy: DeletionPolicy;
  startedAt: Date;
  runUrl: string;
}

/** The share of users as a whole percentage, never "0%" for a non-zero share. */
export function removalShare({
  pendingRemovals,
  totalUsers,
}: Pick<SafeguardAlertEmailProps, "pendingRemovals" | "totalUsers">): string {
  if (totalUsers === 0) return "100%";
  const percent = (pendingRemovals / totalUsers) * 100;
  return percent > 0 && percent < 1 ? "<1%" : `${Math.round(percent)}%`;
}

/** What the run would remove, with the users' share when it removes users. */
function removalSummary(props: SafeguardAlertEmailProps): string {
  const share = props.pendingRemovals > 0 ? ` (${removalShare(props)} of the users)` : "";
  return `${pendingRemovalsText(props)}${share}`;
}

export function safeguardAlertSubject(props: SafeguardAlertEmailProps): string {
  return `Action needed: ${props.providerLabel} sync "${props.syncName}" would remove ${removalSummary(props)}`;
}

// Both buttons open the run page, where a signed-in Owner or Administrator decides with a POST;
// the query only says which choice the reader came for, so a link preview cannot act.
export const decisionUrl = (runUrl: string, decision: "approve" | "reject") =>
  `${runUrl}?decision=${decision}`;

export default function SafeguardAlertEmail(props: SafeguardAlertEmailProps) {
  const verb = props.deletionPolicy === "DEPROVISION" ? "deprovisioned" : "deleted";
  return (
    <EmailLayout
      preview={safeguardAlertSubject(props)}
      organizationName={props.organizationName}
      footer={adminAlertFooter(props.organizationName)}
    >
      <SyncAlertHeading providerLabel={props.providerLabel} syncName={props.syncName}>
        A sync is waiting for your approval
      </SyncAlertHeading>
      <Text style={styles.paragraph}>
        {`The sync would remove ${removalSummary(props)}, which is more than the safeguard allows (${props.thresholdPercent}%). It has stopped before removing anything.`}
      </Text>

      <DetailTable
        rows={[
          [`Users to be ${verb}`, formatNumber(props.pendingRemovals)],
          ["Share of the sync's users", `${removalShare(props)} of ${formatNumber(props.totalUsers)}`],
          ["Groups to be deleted", formatNumber(props.pendingGroupRemovals ?? 0)],
          ["Memberships to be removed", formatNumber(props.pendingMembershipRemovals ?? 0)],
          ["Safeguard threshold", `${props.thresholdPercent}%`],
          ["Run started", formatDateTime(props.startedAt)],
        ]}
      />

      <Text style={styles.paragraph}>
        Check what it would remove before you decide. If it changed in Okta on purpose, approve; if Okta
        returned an incomplete directory, reject and nothing is removed.
      </Text>
      <Section style={{ margin: "8px 0 10px" }}>
        <EmailButton href={decisionUrl(props.runUrl, "approve")}>Review and approve</EmailButton>
      </Section>
      <Section style={{ margin: "0 0 16px" }}>
        <EmailButton href={decisionUrl(props.runUrl, "reject")} variant="secondary">
          Review and reject
        </EmailButton>
      </Section>
      <Text style={styles.muted}>Both open the run in the dashboard, where you sign in and confirm.</Text>
    </EmailLayout>
  );
}

SafeguardAlertEmail.PreviewProps = {
  organizationName: "Acme",
  providerLabel: "Okta Workspace",
  syncName: "Acme Okta",
  pendingRemovals: 340,
  pendingGroupRemovals: 2,
  pendingMembershipRemovals: 15,
  totalUsers: 1_000,
  thresholdPercent: 20,
  deletionPolicy: "DELETE",
  startedAt: new Date("2026-11-29T09:30:00Z"),
  runUrl: "http://localhost:3000/user-management/user-sync/sync_1/runs/run_1",
} satisfies SafeguardAlertEmailProps;
