"use server";

import { AuthError } from "next-auth";
import { z } from "zod";
import { signIn } from "@/lib/auth/config";

export interface SignInState {
  message?: string;
  email?: string;
}

const input = z.object({
  email: z.string().trim().max(320),
  password: z.string().max(1024),
  callbackUrl: z.string().max(2000).optional(),
});

/** Only same-site paths: never send a member to another host after sign-in (browsers read `/\host` as `//host`). */
function safeCallback(url: string | undefined): string {
  return url && /^\/(?![/\\])/.test(url) ? url : "/user-management/users";
}

export async function signInWithPassword(_previous: SignInState, formData: FormData): Promise<SignInState> {
  const parsed = input.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { message: "The email or password is incorrect." };
  const { email, password, callbackUrl } = parsed.data;
  if (!email || !password) return { message: "Enter your email and password.", email };
  try {
    await signIn("credentials", { email, password, redirectTo: safeCallback(callbackUrl) });
    return {};
  } catch (error) {
    if (error instanceof AuthError) {
      const throttled = "code" in error && error.code === "throttled";
      return {
        email,
        message: throttled
          ? "Too many failed attempts. Wait 15 minutes, then try again."
          : "The email or password is incorrect.",
      };
    }
    throw error; // the redirect after a successful sign-in
  }
}

export async function signInWithOidc(formData: FormData): Promise<void> {
  await signIn("oidc", { redirectTo: safeCallback(String(formData.get("callbackUrl") ?? "")) });
}
