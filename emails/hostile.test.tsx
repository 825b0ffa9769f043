import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { renderEmail } from "@/lib/email/render";
import { hostileText } from "@/test-support/hostile";
import EnrollmentInvitationEmail from "./enrollment-invitation";
import SafeguardAlertEmail from "./safeguard-alert";
import SyncHealthAlertEmail from "./sync-health-alert";
import SyncReportEmail from "./sync-report";

// Names, emails, sync names, per-user errors: text that comes from Okta or from an admin's form
// reaches every email. It must stay text.
const SCRIPT = "<script>alert(1)</script>";
const IMG = '"><img src=x onerror=alert(2)>';

/** Every tag of the HTML: none may be one the payloads could have injected, nor carry a handler. */
function expectInert(html: string) {
  for (const [tag, name] of html.matchAll(/<\/?([a-zA-Z][\w-]*)[^>]*>/g)) {
    expect(["script", "img", "iframe", "object", "embed", "svg", "math", "form", "input"]).not.toContain(
      name?.toLowerCase(),
    );
    expect(tag).not.toMatch(/\son[a-z]+\s*=/i);
    expect(tag).not.toMatch(/javascript:/i);
  }
}

const templates = {
  "sync report": (text: string) => (
    <SyncReportEmail
      {...SyncReportEmail.PreviewProps}
      organizationName={text}
      syncName={text}
      startedBy={text}
      runError={text}
      fallback={text}
      errors={[{ userKey: text, reason: text }]}
    />
  ),
  "safeguard alert": (text: string) => (
    <SafeguardAlertEmail {...SafeguardAlertEmail.PreviewProps} organizationName={text} syncName={text} />
  ),
  "sync health alert": (text: string) => (
    <SyncHealthAlertEmail
      {...SyncHealthAlertEmail.PreviewProps}
      organizationName={text}
      syncName={text}
      lastError={text}
    />
  ),
  "enrollment invitation": (text: string) => (
    <EnrollmentInvitationEmail
      {...EnrollmentInvitationEmail.PreviewProps}
      organizationName={text}
      recipientName={text}
      email={text}
    />
  ),
};

describe.each(Object.entries(templates))("the %s email with hostile text", (_name, email) => {
  it("shows markup as text: escaped in the HTML, verbatim in the plain text", async () => {
    const { html, text } = await renderEmail(email(`${SCRIPT}${IMG}`));
    expectInert(html);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(text).toContain(SCRIPT);
  });

  it("renders anything (control characters, odd Unicode, 5,000 characters) without throwing or injecting a tag", async () => {
    await fc.assert(
      fc.asyncProperty(hostileText(5000), async (text) => {
        expectInert((await renderEmail(email(text))).html);
      }),
      { numRuns: 25 },
    );
  });
});
