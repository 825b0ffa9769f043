import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/auth/sign-in-form";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { oidcEnabled } from "@/lib/auth/config";
import { getMemberContext } from "@/lib/auth/member";
import { signInWithOidc } from "./actions";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<{ callbackUrl?: string; error?: string }>;
}) {
  if (await getMemberContext()) redirect("/user-management/users");
  const { callbackUrl, error } = await searchParams;
  return (
    <main className="grid min-h-screen place-items-center px-4">
      <Card className="w-full max-w-sm p-8">
        <h1 className="text-xl font-semibold">Sign in to your dashboard</h1>
        <p className="mt-1 mb-6 text-sm text-slate-600">
          Use the email and password of your dashboard account.
        </p>
        {error === "AccessDenied" && (
          <p role="alert" className="mb-4 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
            That account has no access to this dashboard.
          </p>
        )}
        <SignInForm callbackUrl={callbackUrl} />
        {oidcEnabled() && (
          <form action={signInWithOidc} className="mt-4 border-t border-slate-200 pt-4">
            <input type="hidden" name="callbackUrl" value={callbackUrl ?? ""} />
            <Button type="submit" variant="secondary" className="w-full">
              Continue with {process.env.AUTH_OIDC_NAME || "single sign-on"}
            </Button>
          </form>
        )}
      </Card>
    </main>
  );
}
