import type { Db } from "@/lib/db";
import { verifyPassword } from "./password";
import { attemptSucceeded, beginAttempt } from "./throttle";

export type SignInOutcome =
  | { ok: true; user: { id: string; email: string; name: string | null } }
  | { ok: false; throttled: boolean };

// A valid Argon2id hash of a random string, for constant-time refusals.
const DUMMY_HASH =
  "$argon2id$v=19$m=19456,t=2,p=1$zkDC+o35D0hY62INOiLYlg$yRCm24gZKzeAN310h6TR+4cJf1s3U82U9RcDBWXgMds";

/** Email and password sign-in from `address`, within the throttle's limits. */
export async function signInWithCredentials(
  db: Db,
  { email, password }: { email: string; password: string },
  address: string,
): Promise<SignInOutcome> {
  // The attempt is counted before the password is checked: concurrent guesses cannot outrun the limit.
  const attempt = await beginAttempt(db, [
    { kind: "email", value: email },
    { kind: "ip", value: address },
  ]);
  if (!attempt) return { ok: false, throttled: true };
  const user = await db.user.findUnique({ where: { email } });
  // Verify even without a user so timing does not reveal which accounts exist.
  const ok = await verifyPassword(user?.passwordHash ?? DUMMY_HASH, password);
  if (!user || !ok) return { ok: false, throttled: false };
  await attemptSucceeded(db, attempt);
  return { ok: true, user: { id: user.id, email: user.email, name: user.name } };
}
