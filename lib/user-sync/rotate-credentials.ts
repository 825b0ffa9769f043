import { type Keyring, keyringFromEnv, needsReencryption, reencryptSecret } from "@/lib/crypto/secrets";
import type { Db } from "@/lib/db";
import { credentialBinding } from "./credential";

export interface RotationReport {
  /** Syncs whose credential is now under the current key. */
  reencrypted: number;
  /** Syncs already under the current key. */
  current: number;
  /** Syncs whose credential no configured key decrypts: still as they were. */
  failed: { userSyncId: string; error: string }[];
}

/**
 * Re-encrypts every sync's credential (API token or service app key) under the current key (the
 * first of TOKEN_ENCRYPTION_KEYS), so an old key can then be removed, and binds tokens saved before
 * binding (`v1`) to their sync's domain. Each row is replaced only if it still holds the ciphertext
 * and binding that were read: an edit saved meanwhile (already under the current key) wins.
 */
export async function rotateUserSyncCredentials(
  db: Db,
  keyring: Keyring = keyringFromEnv(),
): Promise<RotationReport> {
  const report: RotationReport = { reencrypted: 0, current: 0, failed: [] };
  const syncs = await db.userSync.findMany({
    select: {
      id: true,
      provider: true,
      domain: true,
      authMethod: true,
      clientId: true,
      adminEmail: true,
      customerId: true,
      credentialCiphertext: true,
    },
    orderBy: { id: "asc" },
  });
  for (const sync of syncs) {
    try {
      if (!needsReencryption(sync.credentialCiphertext, keyring)) {
        report.current++;
        continue;
      }
      const credentialCiphertext = reencryptSecret(
        sync.credentialCiphertext,
        credentialBinding(sync),
        keyring,
      );
      const { id, credentialCiphertext: read, ...bound } = sync;
      await db.userSync.updateMany({
        where: { id, credentialCiphertext: read, ...bound },
        data: { credentialCiphertext },
      });
      report.reencrypted++;
    } catch (error) {
      report.failed.push({ userSyncId: sync.id, error: (error as Error).message });
    }
  }
  return report;
}
