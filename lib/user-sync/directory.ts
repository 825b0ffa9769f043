import type { Db } from "@/lib/db";
import type { DirectoryProvider } from "@/lib/directory/types";
import { OktaClient } from "@/lib/okta/client";
import { domainOptionsFromEnv } from "@/lib/okta/domain";
import { userSyncCredentials } from "./service";

/**
 * The directory a sync reads: an Okta client with the sync's decrypted credential, built per step;
 * `signal` aborts its requests and waits (a cancelled run).
 */
export async function directoryFor(
  db: Db,
  userSyncId: string,
  options: { signal?: AbortSignal } = {},
): Promise<DirectoryProvider> {
  const { domain, credential } = await userSyncCredentials(db, userSyncId);
  return new OktaClient({ ...credential, domain, ...domainOptionsFromEnv(), signal: options.signal });
}
