import { Heading, Section, Text } from "@react-email/components";
import { formatDateTime } from "./components/format";
import { EmailButton, EmailLayout, LinkFallback, styles } from "./components/layout";

export interface EnrollmentInvitationEmailProps {
  organizationName: string;
  recipientName: string | null;
  email: string;
  /** Single use; carries the token, so it is never logged. */
  enrollUrl: string;
  expiresAt: Date;
}

export function enrollmentInvitationSubject({ organizationName }: EnrollmentInvitationEmailProps): string {
  return `You're invited to join ${organizationName}`;
}

export default function EnrollmentInvitationEmail(props: EnrollmentInvitationEmailProps) {
  const expires = formatDateTime(props.expiresAt);
  return (
    <EmailLayout
      preview={`Confirm ${props.email} to activate your ${props.organizationName} account.`}
      organizationName={props.organizationName}
      footer={`${props.organizationName} added ${props.email} from its Okta directory. If you did not expect this email, ignore it: nothing happens until the link is used.`}
    >
      <Heading as="h1" style={styles.heading}>
        {props.recipientName ? `${props.recipientName}, you're invited` : "You're invited"}
      </Heading>
      <Text style={styles.paragraph}>
        {`${props.organizationName} has added you to its user directory. Confirm your email address ${props.email} to enroll and activate your ${props.organizationName} account.`}
      </Text>
      <Section style={{ margin: "8px 0 20px" }}>
        <EmailButton href={props.enrollUrl}>Enroll now</EmailButton>
      </Section>
      <Text style={styles.muted}>{`This link works once and expires on ${expires}.`}</Text>
      <LinkFallback label="If the button does not work, open this link:" href={props.enrollUrl} />
    </EmailLayout>
  );
}

EnrollmentInvitationEmail.PreviewProps = {
  organizationName: "Acme",
  recipientName: "Jane Doe",
  email: "jane.doe@acme.test",
  enrollUrl: "http://localhost:3000/enroll/3q2-7wEAAAD4iLbD9cFh8yZkPq1uYvXo0sR2nT6mW5k",
  expiresAt: new Date("2026-12-06T09:30:00Z"),
} satisfies EnrollmentInvitationEmailProps;
