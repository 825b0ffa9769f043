import { describe, expect, it } from "vitest";
import { renderEmail } from "@/lib/email/render";
import { formatDuration } from "./components/format";
import EnrollmentInvitationEmail, { enrollmentInvitationSubject } from "./enrollment-invitation";
import SafeguardAlertEmail, { safeguardAlertSubject } from "./safeguard-alert";
import SyncHealthAlertEmail, { syncHealthAlertSubject } from "./sync-health-alert";
import SyncReportEmail, { type SyncReportEmailProps, syncReportSubject } from "./sync-report";

const ENTITIES: Record<string, string> = {
  "&#x27;": "'",
  "&quot;": '"',
  "&amp;": "&",
  "&lt;": "<",
  "&gt;": ">",
};

/**
 * The HTML part, its visible words (tags, React's `<!-- -->` text separators and entities
 * removed), and the text part.
 */
async function rendered(element: React.ReactElement) {
  const { html, text } = await renderEmail(element);
  const words = html
    .replace(/<!-- -->/g, "")
    .replace(/<[^>]+>/g, "")
    .replace(/&#x27;|&quot;|&amp;|&lt;|&gt;/g, (entity) => ENTITIES[entity] ?? entity);
  return { html, words, text };
}

function expectSelfContained(html: string) {
  expect(html).not.toMatch(/<script|<img|<link|@import|@font-face/i);
  expect(html).toMatch(/style="/);
}

const report = SyncReportEmail.PreviewProps;

describe("sync report", () => {
  it("shows organization, sync, status, trigger, starter, start, duration, every count, errors and the run link", async () => {
    const { html, words, text } = await rendered(<SyncReportEmail {...report} />);
    for (const part of [words, text]) {
      expect(part).toContain("Acme");
      expect(part).toContain("Okta Workspace · Acme Okta");
      expect(part).toContain("Sync report: Partial");
      expect(part).toContain("Adam Admin (admin@acme.test)");
      expect(part).toContain("Nov 29, 2026, 9:30 AM UTC");
      expect(part).toContain("2 min 5 s");
      expect(part).toContain("4,870");
      expect(part).toContain("jane.doe: No value for the unique field Email.");
      expect(part).toContain("sam@acme.test: Two Okta users have the same Email.");
      expect(part).toContain(report.runUrl);
    }
    expect(text).toMatch(/Trigger\s+Manual/);
    expect(text).toMatch(/Created\s+120\n/);
    expect(text).toMatch(/Updated\s+3\n/);
    expect(text).toMatch(/Unchanged\s+4,870\n/);
    expect(text).toMatch(/Deleted\s+2\n/);
    expect(text).toMatch(/Deprovisioned\s+1\n/);
    expect(text).toMatch(/Failed\s+2\n/);
    expect(text).toMatch(/Groups created\s+4\n/);
    expect(text).toMatch(/Groups updated\s+1\n/);
    expect(text).toMatch(/Groups deleted\s+0\n/);
    expect(text).toMatch(/Memberships added\s+310\n/);
    expect(text).toMatch(/Memberships removed\s+12\n/);
    expect(html).toContain(`href="${report.runUrl}"`);
    expectSelfContained(html);
  });

  it("has a subject with the status and the main counts", () => {
    const counts = { ...report.counts, usersDeleted: 0, usersDeprovisioned: 0, usersFailed: 0 };
    expect(syncReportSubject({ ...report, status: "SUCCEEDED", counts })).toBe(
      "Okta Workspace sync report: Succeeded — 120 created, 3 updated",
    );
    expect(syncReportSubject(report)).toBe(
      "Okta Workspace sync report: Partial — 120 created, 3 updated, 3 removed, 2 failed",
    );
  });

  it("says who started a scheduled run, shows the run's error and how many errors are not listed", async () => {
    const props: SyncReportEmailProps = {
      ...report,
      status: "FAILED",
      trigger: "SCHEDULED",
      startedBy: null,
      durationMs: null,
      runError: "Okta answered 401: the API token is invalid or revoked.",
      errorCount: 25,
    };
    const { text } = await rendered(<SyncReportEmail {...props} />);
    expect(text).toContain("Sync report: Failed");
    expect(text).toMatch(/Trigger\s+Scheduled/);
    expect(text).toMatch(/Started by\s+The sync's schedule/);
    expect(text).toMatch(/Duration\s+—/);
    expect(text).toContain("Okta answered 401: the API token is invalid or revoked.");
    expect(text).toContain("First 2 of 25 errors");
  });

  it("says how the run read Okta, the System Log changes of a delta run, and why a run did not use the log", async () => {
    const delta = await rendered(
      <SyncReportEmail {...report} reading="Delta (System Log)" logChanges={1234} />,
    );
    for (const part of [delta.words, delta.text]) expect(part).toContain("Delta (System Log)");
    expect(delta.text).toMatch(/How Okta was read\s+Delta \(System Log\)\n/);
    expect(delta.text).toMatch(/System Log changes read\s+1,234\n/);
    expect(delta.text).not.toContain("was not used");

    const fallback =
      "The System Log was last read more than 90 days ago. This run listed every user and group instead.";
    const full = await rendered(<SyncReportEmail {...report} reading="Full" fallback={fallback} />);
    for (const part of [full.words, full.text])
      expect(part).toContain(`Okta's System Log was not used. ${fallback}`);
    expect(full.text).not.toContain("System Log changes read");

    const unstarted = await rendered(<SyncReportEmail {...report} status="FAILED" reading={null} />);
    expect(unstarted.text).not.toContain("How Okta was read");
  });

  it("for a blocked run, says how many users wait for approval; a clean run lists no errors", async () => {
    const { text } = await rendered(
      <SyncReportEmail {...report} status="BLOCKED" pendingRemovals={340} errors={[]} errorCount={0} />,
    );
    expect(text).toContain("Sync report: Blocked");
    expect(text).toContain("Waiting for approval: 340 users would be removed.");
    expect(text).not.toMatch(/errors?\n/i);
  });

  it("links to Needs attention when Okta users are not imported, and says nothing of it otherwise", async () => {
    const { html, words, text } = await rendered(<SyncReportEmail {...report} />);
    for (const part of [words, text]) {
      expect(part).toContain(
        "3 Okta users of this sync are not imported now (a duplicate Unique field, a missing value or invalid data). See who, why and what fixes it",
      );
    }
    expect(text).toMatch(/NEEDS ATTENTION|Needs attention/);
    expect(text).toContain(report.attentionUrl);
    expect(html).toContain(`href="${report.attentionUrl}"`);

    const one = await rendered(<SyncReportEmail {...report} attentionCount={1} />);
    expect(one.words).toContain("1 Okta user of this sync is not imported now");

    const none = await rendered(<SyncReportEmail {...report} attentionCount={0} />);
    expect(none.html).not.toContain(report.attentionUrl);
    expect(none.words).not.toMatch(/needs attention|not imported now/i);
  });

  it("labels every final status and trigger", async () => {
    const labels = {
      SUCCEEDED: "Succeeded",
      PARTIAL: "Partial",
      FAILED: "Failed",
      BLOCKED: "Blocked",
      CANCELLED: "Cancelled",
    };
    for (const [status, label] of Object.entries(labels)) {
      const { text } = await rendered(
        <SyncReportEmail
          {...report}
          status={status as keyof typeof labels}
          trigger="REPLAY"
          startedBy={null}
        />,
      );
      expect(text).toContain(`Sync report: ${label}`);
      expect(text).toMatch(/Trigger\s+Replay/);
    }
  });
});

describe("safeguard alert", () => {
  const alert = SafeguardAlertEmail.PreviewProps;

  it("says what the run would remove, its share and the threshold, and links to the run page to decide", async () => {
    const { html, words, text } = await rendered(<SafeguardAlertEmail {...alert} />);
    for (const part of [words, text]) {
      expect(part).toContain("A sync is waiting for your approval");
      expect(part).toContain("would remove 340 users, 2 groups, and 15 memberships (34% of the users)");
      expect(part).toContain("more than the safeguard allows (20%)");
    }
    expect(text).toMatch(/Users to be deleted\s+340\n/);
    expect(text).toMatch(/Share of the sync's users\s+34% of 1,000\n/);
    expect(text).toMatch(/Groups to be deleted\s+2\n/);
    expect(text).toMatch(/Memberships to be removed\s+15\n/);
    expect(text).toMatch(/Safeguard threshold\s+20%\n/);
    const links = [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
    expect(links).toEqual([`${alert.runUrl}?decision=approve`, `${alert.runUrl}?decision=reject`]);
    expect(text).toContain(`Review and approve ${alert.runUrl}?decision=approve`);
    expect(text).toContain(`Review and reject ${alert.runUrl}?decision=reject`);
    expectSelfContained(html);
  });

  it("names deprovisioning when that is the policy, and has a subject that asks for action", async () => {
    const { text } = await rendered(<SafeguardAlertEmail {...alert} deletionPolicy="DEPROVISION" />);
    expect(text).toMatch(/Users to be deprovisioned\s+340/);
    expect(safeguardAlertSubject(alert)).toBe(
      'Action needed: Okta Workspace sync "Acme Okta" would remove 340 users, 2 groups, and 15 memberships (34% of the users)',
    );
    expect(
      safeguardAlertSubject({ ...alert, pendingRemovals: 1, pendingGroupRemovals: 0, totalUsers: 500 }),
    ).toContain("1 user and 15 memberships (<1% of the users)");
    // Held for its groups alone: no share of users to speak of.
    expect(
      safeguardAlertSubject({
        ...alert,
        pendingRemovals: 0,
        pendingGroupRemovals: 3,
        pendingMembershipRemovals: 0,
      }),
    ).toBe('Action needed: Okta Workspace sync "Acme Okta" would remove 3 groups');
  });
});

describe("sync health alert", () => {
  const alert = SyncHealthAlertEmail.PreviewProps;

  it("says how long and how often the sync failed, the last error, the settings, what to do, and links to the sync", async () => {
    const { html, words, text } = await rendered(<SyncHealthAlertEmail {...alert} />);
    for (const part of [words, text]) {
      expect(part).toContain("Okta Workspace · Acme Okta");
      expect(part).toContain("A scheduled sync is failing");
      expect(part).toContain(
        "The sync has 3 failed runs in a row, no success since Nov 29, 2026, 9:30 AM UTC. Until a run succeeds",
      );
      expect(part).toContain("Then click SYNC DATA: once a run succeeds, the alert clears.");
      expect(part).toContain("This is the only email about this incident.");
      expect(part).toContain("You receive this alert as an Owner or Administrator of Acme.");
    }
    expect(text).toMatch(/Failed runs in a row\s+3 runs\n/);
    expect(text).toMatch(/Last successful run\s+Nov 29, 2026, 9:30 AM UTC\n/);
    expect(text).toMatch(/Last failure\s+Nov 29, 2026, 12:31 PM UTC\n/);
    expect(text).toContain("Okta rejected the API token: it is wrong, was revoked");
    expect(text).toMatch(/Alert settings\s+After 3 failed runs in a row, or 24 hours without success/);
    expect(html).toContain(`href="${alert.syncUrl}"`);
    expect(text).toContain(`Open the sync ${alert.syncUrl}`);
    expectSelfContained(html);
  });

  it("has a subject that asks for action, and words a sync that never succeeded and a single failure", async () => {
    expect(syncHealthAlertSubject(alert)).toBe(
      'Action needed: Okta Workspace sync "Acme Okta" is failing (3 failed runs in a row, no success since Nov 29, 2026, 9:30 AM UTC)',
    );
    const never = { ...alert, failures: 1, lastSuccessAt: null, lastError: null, alertAfterFailures: 1 };
    expect(syncHealthAlertSubject(never)).toBe(
      'Action needed: Okta Workspace sync "Acme Okta" is failing (1 failed run in a row, no successful run yet)',
    );
    const { text } = await rendered(<SyncHealthAlertEmail {...never} />);
    expect(text).toMatch(/Last successful run\s+None yet\n/);
    expect(text).toMatch(/Last error\s+No error recorded\n/);
    expect(text).toMatch(/Alert settings\s+After 1 failed run in a row/);
  });
});

describe("enrollment invitation", () => {
  const invitation = EnrollmentInvitationEmail.PreviewProps;

  it("names the organization, the address and what the link does, with the link and its expiry", async () => {
    const { html, words, text } = await rendered(<EnrollmentInvitationEmail {...invitation} />);
    for (const part of [words, text]) {
      expect(part).toContain("Jane Doe, you're invited");
      expect(part).toContain(
        "Acme has added you to its user directory. Confirm your email address jane.doe@acme.test to enroll and activate your Acme account.",
      );
      expect(part).toContain("This link works once and expires on Dec 6, 2026, 9:30 AM UTC.");
    }
    expect(html).toContain(`href="${invitation.enrollUrl}"`);
    expect(text).toContain(`Enroll now ${invitation.enrollUrl}`);
    expect(text.split(invitation.enrollUrl)).toHaveLength(2); // once: the HTML-only fallback stays out of the text
    expect(enrollmentInvitationSubject(invitation)).toBe("You're invited to join Acme");
    expectSelfContained(html);
  });

  it("greets without a name when the user has none", async () => {
    const { text } = await rendered(<EnrollmentInvitationEmail {...invitation} recipientName={null} />);
    expect(text).toMatch(/^\s*Acme\s+You're invited\n/);
  });
});

describe("formatDuration", () => {
  it("spells out seconds, minutes and hours", () => {
    expect(formatDuration(4_400)).toBe("4 s");
    expect(formatDuration(120_000)).toBe("2 min");
    expect(formatDuration(3_780_000)).toBe("1 h 3 min");
    expect(formatDuration(7_200_000)).toBe("2 h");
  });
});
