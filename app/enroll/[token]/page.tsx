import type { Metadata } from "next";
import { connection } from "next/server";
import { EnrollmentForm } from "@/components/enrollment/enrollment-form";
import { EnrollmentOutcome } from "@/components/enrollment/enrollment-outcome";
import { Card } from "@/components/ui/card";
import { formatDateTime } from "@/emails/components/format";
import { getDb } from "@/lib/db";
import { inspectEnrollmentToken } from "@/lib/enrollment/tokens";

// The token is in the path: keep it out of Referer headers and search indexes.
export const metadata: Metadata = { title: "Enroll", referrer: "no-referrer", robots: { index: false } };

/** Public: the people who enrol are the organization's end-users, not dashboard members. */
export default async function EnrollPage({ params }: { params: Promise<{ token: string }> }) {
  await connection(); // every visit reads the token's current state
  const { token } = await params;
  const link = await inspectEnrollmentToken(getDb(), token);
  return (
    <main className="grid min-h-screen place-items-center px-4 py-10">
      <div className="w-full max-w-md">
        {"organizationName" in link && (
          <p className="mb-3 text-center text-sm font-semibold text-slate-600">{link.organizationName}</p>
        )}
        <Card className="p-8">
          {link.state === "valid" ? (
            <EnrollmentForm
              token={token}
              organizationName={link.organizationName}
              email={link.email}
              name={link.name}
              expires={formatDateTime(link.expiresAt)}
            />
          ) : (
            <EnrollmentOutcome outcome={link} />
          )}
        </Card>
      </div>
    </main>
  );
}
