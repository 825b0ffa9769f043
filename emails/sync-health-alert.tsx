import { Section, Text } from "@react-email/components";
import { formatDateTime, plural } from "./components/format";
import {
  adminAlertFooter,
  DetailTable,
  EmailButton,
  EmailLayout,
  LinkFallback,
  SyncAlertHeading,
  styles,
} from "./components/layout";

export interface SyncHealthAlertEmailProps {
  organizationName: string;
  providerLabel: string;
  syncName: string;
  /** Failed runs since the last successful one. */
  failures: number;
  /** The end of the last successful run; null when none ever succeeded. */
  lastSuccessAt: Date | null;
  lastFailureAt: Date | null;
  /** The last failed run's error, redacted. */
  lastError: string | null;
  /** The sync's settings: alert after this many failed runs in a row, or hours without success. */
  alertAfterFailures: number;
  alertAfterHours: number;
  syncUrl: string;
}

/** "3 failed runs in a row, no success since Nov 29, 2026, 9:30 AM UTC". */
export function healthSummary(props: Pick<SyncHealthAlertEmailProps, "failures" | "lastSuccessAt">): string {
  const success = props.lastSuccessAt
    ? `no success since ${formatDateTime(props.lastSuccessAt)}`
    : "no successful run yet";
  return `${plural(props.failures, "failed run")} in a row, ${success}`;
}

export function syncHealthAlertSubject(props: SyncHealthAlertEmailProps): string {
  return `Action needed: ${props.providerLabel} sync "${props.syncName}" is failing (${healthSummary(props)})`;
}

export default function SyncHealthAlertEmail(props: SyncHealthAlertEmailProps) {
  return (
    <EmailLayout
      preview={syncHealthAlertSubject(props)}
      organizationName={props.organizationName}
      footer={adminAlertFooter(props.organizationName)}
    >
      <SyncAlertHeading providerLabel={props.providerLabel} syncName={props.syncName}>
        A scheduled sync is failing
      </SyncAlertHeading>
      <Text style={styles.paragraph}>
        {`The sync has ${healthSummary(props)}. Until a run succeeds, the users and groups in the dashboard do not show what changed in Okta.`}
      </Text>

      <DetailTable
        rows={[
          ["Failed runs in a row", plural(props.failures, "run")],
          ["Last successful run", props.lastSuccessAt ? formatDateTime(props.lastSuccessAt) : "None yet"],
          ["Last failure", props.lastFailureAt ? formatDateTime(props.lastFailureAt) : "—"],
          ["Last error", props.lastError ?? "No error recorded"],
          [
            "Alert settings",
            `After ${plural(props.alertAfterFailures, "failed run")} in a row, or ${plural(props.alertAfterHours, "hour")} without success`,
          ],
        ]}
      />

      <Text style={styles.paragraph}>
        Open the sync to see its failed runs and their errors. Most errors say what to do; the most common fix
        is a new API token from Okta, saved with EDIT. Then click SYNC DATA: once a run succeeds, the alert
        clears.
      </Text>
      <Section style={{ margin: "8px 0 16px" }}>
        <EmailButton href={props.syncUrl}>Open the sync</EmailButton>
      </Section>
      <LinkFallback label="Or open:" href={props.syncUrl} />
      <Text style={styles.muted}>
        This is the only email about this incident. Another comes only if the sync fails again after a
        successful run.
      </Text>
    </EmailLayout>
  );
}

SyncHealthAlertEmail.PreviewProps = {
  organizationName: "Acme",
  providerLabel: "Okta Workspace",
  syncName: "Acme Okta",
  failures: 3,
  lastSuccessAt: new Date("2026-11-29T09:30:00Z"),
  lastFailureAt: new Date("2026-11-29T12:31:00Z"),
  lastError:
    "Okta rejected the API token: it is wrong, was revoked, expired after 30 days unused, or its admin was deactivated. Create a new token in Okta (Security → API → Tokens) (HTTP 401 E0000011 on GET /api/v1/users)",
  alertAfterFailures: 3,
  alertAfterHours: 24,
  syncUrl: "http://localhost:3000/user-management/user-sync/sync_1",
} satisfies SyncHealthAlertEmailProps;
