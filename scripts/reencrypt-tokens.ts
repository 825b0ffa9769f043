/**
 * Re-encrypts every saved Okta API token (`UserSync.tokenCiphertext`) under the current key of
 * TOKEN_ENCRYPTION_KEYS, the first in the list: the step of a key rotation between adding the new
 * key and removing the old one (docs/operations.md, "Rotating TOKEN_ENCRYPTION_KEYS").
 *
 *   DATABASE_URL=postgres://… TOKEN_ENCRYPTION_KEYS=new:<base64>,old:<base64> \
 *     npx tsx scripts/reencrypt-tokens.ts [--dry-run]
 *
 * Each row is replaced with a compare-and-set on its old ciphertext, so a token an admin saves
 * meanwhile is never overwritten. Exits 1 when a token does not decrypt with any key given.
 */
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { type Keyring, keyringFromEnv, needsReencryption, reencryptSecret } from "@/lib/crypto/secrets";
import { createDb, type Db, databaseUrl } from "@/lib/db";

export interface ReencryptReport {
  /** Saved tokens looked at. */
  checked: number;
  /** Re-encrypted under the current key (with `dryRun`: would be). */
  reencrypted: number;
  /** Changed by someone else between the read and the write (already under the current key). */
  changedMeanwhile: number;
  /** Syncs whose token decrypts with none of the keys given. */
  undecryptable: string[];
  /** Tokens per key id afterwards: an old key may be removed once it counts none. */
  keyIds: Record<string, number>;
}

const keyIdOf = (ciphertext: string) => ciphertext.split(".")[1] ?? "?";

export async function reencryptTokens(
  db: Db,
  keyring: Keyring,
  { dryRun = false }: { dryRun?: boolean } = {},
): Promise<ReencryptReport> {
  const syncs = await db.userSync.findMany({
    select: { id: true, tokenCiphertext: true },
    orderBy: { id: "asc" },
  });
  const report: ReencryptReport = {
    checked: syncs.length,
    reencrypted: 0,
    changedMeanwhile: 0,
    undecryptable: [],
    keyIds: {},
  };
  for (const sync of syncs) {
    let ciphertext = sync.tokenCiphertext;
    if (needsReencryption(ciphertext, keyring)) {
      let rotated: string;
      try {
        rotated = reencryptSecret(ciphertext, keyring);
      } catch {
        report.undecryptable.push(sync.id);
        report.keyIds[keyIdOf(ciphertext)] = (report.keyIds[keyIdOf(ciphertext)] ?? 0) + 1;
        continue;
      }
      if (dryRun) {
        report.reencrypted++;
      } else {
        const { count } = await db.userSync.updateMany({
          where: { id: sync.id, tokenCiphertext: ciphertext },
          data: { tokenCiphertext: rotated },
        });
        if (count === 1) {
          report.reencrypted++;
          ciphertext = rotated;
        } else {
          report.changedMeanwhile++;
          const now = await db.userSync.findUnique({
            where: { id: sync.id },
            select: { tokenCiphertext: true },
          });
          if (!now) continue;
          ciphertext = now.tokenCiphertext;
        }
      }
    }
    report.keyIds[keyIdOf(ciphertext)] = (report.keyIds[keyIdOf(ciphertext)] ?? 0) + 1;
  }
  return report;
}

async function main() {
  const { values } = parseArgs({ options: { "dry-run": { type: "boolean", default: false } } });
  const dryRun = values["dry-run"] ?? false;
  const keyring = keyringFromEnv();
  const db = createDb(databaseUrl());
  try {
    const report = await reencryptTokens(db, keyring, { dryRun });
    const verb = dryRun ? "would re-encrypt" : "re-encrypted";
    console.log(
      `Checked ${report.checked} API tokens; ${verb} ${report.reencrypted} under key "${keyring.currentKid}".`,
    );
    if (report.changedMeanwhile) console.log(`${report.changedMeanwhile} changed meanwhile (left as saved).`);
    console.log(
      `Tokens per key id: ${Object.entries(report.keyIds)
        .map(([kid, n]) => `${kid}=${n}`)
        .join(", ")}`,
    );
    if (report.undecryptable.length > 0) {
      console.error(`No key given decrypts the token of these syncs: ${report.undecryptable.join(", ")}`);
      process.exitCode = 1;
    }
  } finally {
    await db.$disconnect();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
