import type { Db } from "@/lib/db";
import { developmentUrl } from "@/lib/dev-switches";
import type { DirectoryProvider } from "@/lib/directory/types";
import { EntraClient } from "@/lib/entra/client";
import { GoogleDirectoryClient } from "@/lib/google/client";
import { parseServiceAccountKey } from "@/lib/google/service-account-key";
import { OktaClient } from "@/lib/okta/client";
import { domainOptionsFromEnv } from "@/lib/okta/domain";
import type { DirectoryCredential } from "./credential";
import { userSyncCredentials } from "./service";

/** Where an Entra ID client talks: Microsoft's hosts, or the local fake in development. */
export function entraEndpointsFromEnv() {
  const url = developmentUrl("ENTRA_DEV_URL");
  return url ? { endpoints: { login: url, graph: url }, allowInsecureLocalhost: true } : {};
}

/** Where a Google Workspace client talks: Google's hosts, or the local fake in development. */
export function googleEndpointsFromEnv() {
  const url = developmentUrl("GOOGLE_DEV_URL");
  return url ? { endpoints: { token: url, api: url }, allowInsecureLocalhost: true } : {};
}

/** The client of a sync's directory, built from its decrypted credential. */
export function directoryClient(credential: DirectoryCredential, signal?: AbortSignal): DirectoryProvider {
  switch (credential.provider) {
    case "OKTA":
      return new OktaClient({
        ...credential.okta,
        domain: credential.domain,
        ...domainOptionsFromEnv(),
        signal,
      });
    case "ENTRA_ID":
      return new EntraClient({ ...credential.entra, ...entraEndpointsFromEnv(), signal });
    case "GOOGLE_WORKSPACE": {
      const { serviceAccountKey, adminEmail, customerId } = credential.google;
      const key = parseServiceAccountKey(serviceAccountKey);
      // Saved only once parsed: a row that no longer parses was changed behind the app's back.
      if (!key.ok) throw new Error("The saved service account key does not parse: paste it again on EDIT.");
      return new GoogleDirectoryClient({
        key: key.key,
        adminEmail,
        customerId,
        ...googleEndpointsFromEnv(),
        signal,
      });
    }
  }
}

/**
 * The directory a sync reads: its provider's client with the sync's decrypted credential, built
 * per step; `signal` aborts its requests and waits (a cancelled run).
 */
export async function directoryFor(
  db: Db,
  userSyncId: string,
  options: { signal?: AbortSignal } = {},
): Promise<DirectoryProvider> {
  return directoryClient(await userSyncCredentials(db, userSyncId), options.signal);
}
