// `npm run secrets:rotate`: re-encrypts every user sync's credential (API token or service app
// private key) under the current key, the first of TOKEN_ENCRYPTION_KEYS, bound to what it is used
// with (tokens saved before binding, too). Rotation: put the new key first and keep the old one after it,
// restart the app, run this, then remove the old key.
import { createDb, databaseUrl } from "@/lib/db";
import { rotateUserSyncCredentials } from "@/lib/user-sync/rotate-credentials";

const db = createDb(databaseUrl());
const report = await rotateUserSyncCredentials(db);
await db.$disconnect();
console.log(
  `Re-encrypted ${report.reencrypted} credential(s); ${report.current} already under the current key.`,
);
for (const { userSyncId, error } of report.failed) console.error(`User sync ${userSyncId}: ${error}`);
if (report.failed.length > 0) {
  console.error("Keep the old keys in TOKEN_ENCRYPTION_KEYS until every credential is re-encrypted.");
  process.exit(1);
}
