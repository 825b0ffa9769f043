"use server";

import { z } from "zod";
import { getDb } from "@/lib/db";
import { type RedeemResult, redeemEnrollmentToken } from "@/lib/enrollment/tokens";

const input = z.object({ token: z.string().max(100) });

/**
 * The confirm button (a POST): public, since the people who enrol never sign in to the dashboard;
 * the single-use token is the proof.
 */
export async function enroll(_previous: RedeemResult | null, formData: FormData): Promise<RedeemResult> {
  const parsed = input.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { ok: false, link: { state: "unknown" } };
  return redeemEnrollmentToken(getDb(), parsed.data.token);
}
