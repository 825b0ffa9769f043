"use client";

import { useActionState } from "react";
import { enroll } from "@/app/enroll/[token]/actions";
import { Button } from "@/components/ui/button";
import { EnrollmentOutcome } from "./enrollment-outcome";

/** The confirmation: a POST, so opening the link (a GET, or a mail scanner's preview) changes nothing. */
export function EnrollmentForm({
  token,
  organizationName,
  email,
  name,
  expires,
}: {
  token: string;
  organizationName: string;
  email: string | null;
  name: string | null;
  expires: string;
}) {
  const [result, action, pending] = useActionState(enroll, null);
  if (result?.ok) return <EnrollmentOutcome outcome={{ state: "enrolled", ...result }} />;
  if (result) return <EnrollmentOutcome outcome={result.link} />;
  return (
    <form action={action}>
      <h1 className="text-xl font-semibold text-slate-900">Join {organizationName}</h1>
      <p className="mt-1 text-sm text-slate-600">
        {organizationName} invited you to enroll. Confirm that this is your email address to activate your
        account.
      </p>
      <dl className="mt-6 rounded-md border border-slate-200 bg-slate-50 px-4 py-3 text-sm">
        {name && (
          <div className="flex justify-between gap-4 py-1">
            <dt className="text-slate-500">Name</dt>
            <dd className="font-medium text-slate-900">{name}</dd>
          </div>
        )}
        <div className="flex justify-between gap-4 py-1">
          <dt className="text-slate-500">Email</dt>
          <dd className="font-medium break-all text-slate-900" data-testid="enrollment-email">
            {email ?? "—"}
          </dd>
        </div>
      </dl>
      <input type="hidden" name="token" value={token} />
      <Button type="submit" disabled={pending} className="mt-6 w-full">
        {pending ? "Confirming…" : "Confirm and enroll"}
      </Button>
      <p className="mt-3 text-center text-xs text-slate-500">
        This link works once and expires on {expires}.
      </p>
    </form>
  );
}
