import {
  Body,
  Button,
  Container,
  Head,
  Heading,
  Hr,
  Html,
  Link,
  Preview,
  Section,
  Text,
} from "@react-email/components";
import type { CSSProperties, ReactNode } from "react";

// Inline styles only, system fonts, no images: what survives Gmail, Outlook and Apple Mail alike.
const font = '-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

export const colors = {
  text: "#0f172a",
  muted: "#475569",
  faint: "#64748b",
  border: "#e2e8f0",
  brand: "#2552e0",
  background: "#f1f5f9",
};

export const styles = {
  heading: { margin: "0 0 12px", fontSize: "22px", lineHeight: "30px", fontWeight: 600, color: colors.text },
  paragraph: { margin: "0 0 16px", fontSize: "15px", lineHeight: "24px", color: colors.text },
  muted: { margin: "0 0 16px", fontSize: "13px", lineHeight: "20px", color: colors.muted },
  sectionTitle: {
    margin: "24px 0 8px",
    fontSize: "12px",
    lineHeight: "16px",
    fontWeight: 600,
    letterSpacing: "0.06em",
    textTransform: "uppercase",
    color: colors.faint,
  },
} satisfies Record<string, CSSProperties>;

export function EmailLayout({
  preview,
  organizationName,
  footer,
  children,
}: {
  preview: string;
  organizationName: string;
  footer: ReactNode;
  children: ReactNode;
}) {
  return (
    <Html lang="en">
      <Head />
      <Preview>{preview}</Preview>
      <Body style={{ margin: 0, padding: "24px 0", backgroundColor: colors.background, fontFamily: font }}>
        <Container style={{ maxWidth: "560px", margin: "0 auto", padding: "0 12px" }}>
          <Text
            style={{
              margin: "0 0 12px",
              fontSize: "14px",
              lineHeight: "20px",
              fontWeight: 600,
              color: colors.muted,
            }}
          >
            {organizationName}
          </Text>
          <Section
            style={{
              backgroundColor: "#ffffff",
              border: `1px solid ${colors.border}`,
              borderRadius: "8px",
              padding: "28px 28px 12px",
            }}
          >
            {children}
          </Section>
          <Hr style={{ border: "none", margin: "16px 0" }} />
          <Text style={{ ...styles.muted, fontSize: "12px", color: colors.faint }}>{footer}</Text>
        </Container>
      </Body>
    </Html>
  );
}

export function EmailButton({
  href,
  children,
  variant = "primary",
}: {
  href: string;
  children: ReactNode;
  variant?: "primary" | "secondary";
}) {
  const primary = variant === "primary";
  return (
    <Button
      href={href}
      style={{
        display: "inline-block",
        padding: "11px 18px",
        borderRadius: "6px",
        fontSize: "14px",
        fontWeight: 600,
        textDecoration: "none",
        backgroundColor: primary ? colors.brand : "#ffffff",
        color: primary ? "#ffffff" : colors.text,
        border: `1px solid ${primary ? colors.brand : "#cbd5e1"}`,
      }}
    >
      {children}
    </Button>
  );
}

/** Label–value rows as a table: the one layout every client renders the same (and the text part keeps as rows). */
export function DetailTable({ rows }: { rows: [label: string, value: ReactNode][] }) {
  return (
    <table
      className="details"
      role="presentation"
      width="100%"
      cellPadding={0}
      cellSpacing={0}
      style={{ marginBottom: "16px" }}
    >
      <tbody>
        {rows.map(([label, value]) => (
          <tr key={label}>
            <td
              style={{
                padding: "6px 12px 6px 0",
                width: "40%",
                fontSize: "14px",
                lineHeight: "20px",
                color: colors.muted,
                verticalAlign: "top",
                borderBottom: `1px solid ${colors.border}`,
              }}
            >
              {label}
            </td>
            <td
              style={{
                padding: "6px 0",
                fontSize: "14px",
                lineHeight: "20px",
                color: colors.text,
                fontWeight: 500,
                verticalAlign: "top",
                borderBottom: `1px solid ${colors.border}`,
              }}
            >
              {value}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A fallback that repeats a link for clients whose buttons fail: the text part already has the link. */
export function LinkFallback({ label, href }: { label: string; href: string }) {
  return (
    <Text data-skip-in-text style={styles.muted}>
      {label}{" "}
      <Link href={href} style={{ color: colors.brand, wordBreak: "break-all" }}>
        {href}
      </Link>
    </Text>
  );
}

/** The top of an alert about one sync: which sync (provider · name), then what happened. */
export function SyncAlertHeading({
  providerLabel,
  syncName,
  children,
}: {
  providerLabel: string;
  syncName: string;
  children: ReactNode;
}) {
  return (
    <>
      <Text style={{ ...styles.muted, margin: "0 0 6px" }}>
        {providerLabel} · {syncName}
      </Text>
      <Heading as="h1" style={styles.heading}>
        {children}
      </Heading>
    </>
  );
}

/** Why an organization's Owners and Administrators receive its alerts. */
export const adminAlertFooter = (organizationName: string) =>
  `You receive this alert as an Owner or Administrator of ${organizationName}.`;
