import { decryptSecret, encryptSecret, last4 } from "@/lib/crypto/secrets";
import type { AuthMethod, SyncProvider } from "@/lib/db/generated/enums";
import type { EntraCredentials } from "@/lib/entra/client";
import type { OktaCredential, PrivateJwk } from "@/lib/okta/credentials";
import { parseServiceAppKey } from "@/lib/okta/service-app-key";
import type { UserSyncInput } from "./form";

/**
 * A sync's one secret, encrypted at rest and bound to what it is used with: an Okta API token to
 * its org, a service app's private key (a JWK) to its org and client ID, an Entra ID client secret
 * or certificate (with its key) to its tenant, client ID and kind, a Google service account key to its domain, admin and customer. A
 * secret copied to, or left on, a row for another directory or app does not decrypt.
 */

export interface CredentialBinding {
  /** Okta when absent (rows and forms from before other directories). */
  provider?: SyncProvider;
  domain: string;
  authMethod: AuthMethod;
  clientId: string | null;
  adminEmail?: string | null;
  customerId?: string | null;
}

export interface SealedCredential {
  credentialCiphertext: string;
  /** What pages may show: the token's last 4 characters, the key's ID (else its thumbprint), a certificate's thumbprint. */
  credentialHint: string;
  /** When the credential expires, for those that say so (an Entra certificate); null clears a former one's. */
  credentialExpiresAt?: Date | null;
}

type CredentialInput = Pick<UserSyncInput, "authMethod" | "token" | "clientId" | "privateKey" | "dpop">;

export type CredentialProblem = { field: "token" | "clientId" | "privateKey"; message: string };

/** The API token keeps the binding it had before service apps existed: its origin alone. */
export function credentialBinding(binding: CredentialBinding): string {
  const { provider = "OKTA", domain, authMethod, clientId } = binding;
  switch (provider) {
    case "OKTA":
      return authMethod === "API_TOKEN" ? domain : `${domain}#client_id=${clientId ?? ""}`;
    case "ENTRA_ID":
      // A client secret keeps the binding it had before certificates.
      return `entra:${domain}#client_id=${clientId ?? ""}${authMethod === "CERTIFICATE" ? "#certificate" : ""}`;
    case "GOOGLE_WORKSPACE":
      return `google:${domain}#admin=${binding.adminEmail ?? ""}#customer=${binding.customerId ?? ""}`;
  }
}

/** Whether the form carries a new secret (else an EDIT keeps the saved one, where it still applies). */
export const typedSecret = (input: CredentialInput) =>
  input.authMethod === "API_TOKEN" ? input.token : input.privateKey;

/** The admin's step when no secret was typed and none may be kept. */
export function missingSecret(input: CredentialInput, savedFor?: CredentialBinding): CredentialProblem {
  if (input.authMethod === "API_TOKEN") {
    return {
      field: "token",
      message: savedFor
        ? `Enter the API Token again: the saved token is only used with the domain it was saved for (${savedFor.domain}).`
        : "Enter the API Token created in Okta (Security > API > Tokens).",
    };
  }
  return {
    field: "privateKey",
    message: savedFor
      ? "Paste the private key again: a saved key is only used with the Domain Name and Client ID it was saved for."
      : "Paste the app's private key, or generate a key pair.",
  };
}

/** The typed credential as the Okta client takes it; or everything wrong with it, by field. */
export async function typedCredential(
  input: CredentialInput,
): Promise<
  | { ok: true; credential: OktaCredential; hint: string }
  | { ok: false; fieldErrors: Partial<Record<CredentialProblem["field"], string[]>> }
> {
  if (input.authMethod === "API_TOKEN") {
    if (!input.token) {
      const { field, message } = missingSecret(input);
      return { ok: false, fieldErrors: { [field]: [message] } };
    }
    return { ok: true, credential: { token: input.token }, hint: last4(input.token) };
  }
  const key = await parseServiceAppKey(input.privateKey);
  if (!input.clientId || !key.ok) {
    return {
      ok: false,
      fieldErrors: {
        ...(input.clientId ? {} : { clientId: ["Enter the Client ID of the API service app."] }),
        ...(key.ok ? {} : { privateKey: [key.message] }),
      },
    };
  }
  return {
    ok: true,
    credential: { serviceApp: { clientId: input.clientId, privateKey: key.key, dpop: input.dpop } },
    hint: key.hint,
  };
}

/** Encrypts a credential for `binding`. */
export function sealCredential(
  credential: OktaCredential,
  hint: string,
  binding: CredentialBinding,
): SealedCredential {
  const secret = "token" in credential ? credential.token : JSON.stringify(credential.serviceApp.privateKey);
  return { credentialCiphertext: encryptSecret(secret, credentialBinding(binding)), credentialHint: hint };
}

/** The saved credential, decrypted for the sync itself only: never for a page or an action's answer. */
export function openCredential(
  sync: CredentialBinding & { credentialCiphertext: string; dpop: boolean },
): OktaCredential {
  const secret = decryptSecret(sync.credentialCiphertext, credentialBinding(sync));
  if (sync.authMethod === "API_TOKEN") return { token: secret };
  return {
    serviceApp: {
      clientId: sync.clientId ?? "",
      privateKey: JSON.parse(secret) as PrivateJwk,
      dpop: sync.dpop,
    },
  };
}

/** What a sync's directory client is built from: its provider's decrypted credential. */
export type DirectoryCredential =
  | { provider: "OKTA"; domain: string; okta: OktaCredential }
  | { provider: "ENTRA_ID"; entra: EntraCredentials }
  | {
      provider: "GOOGLE_WORKSPACE";
      google: { serviceAccountKey: string; adminEmail: string; customerId: string };
    };

type SavedCredential = Required<CredentialBinding> & { credentialCiphertext: string; dpop: boolean };

/** The saved credential of a sync of any directory, decrypted for the sync itself only. */
export function openDirectoryCredential(sync: SavedCredential): DirectoryCredential {
  switch (sync.provider) {
    case "OKTA":
      return { provider: "OKTA", domain: sync.domain, okta: openCredential(sync) };
    case "ENTRA_ID": {
      const secret = decryptSecret(sync.credentialCiphertext, credentialBinding(sync));
      const app = { tenantId: sync.domain, clientId: sync.clientId ?? "" };
      return {
        provider: "ENTRA_ID",
        entra:
          sync.authMethod === "CERTIFICATE"
            ? { ...app, certificate: secret }
            : { ...app, clientSecret: secret },
      };
    }
    case "GOOGLE_WORKSPACE":
      return {
        provider: "GOOGLE_WORKSPACE",
        google: {
          serviceAccountKey: decryptSecret(sync.credentialCiphertext, credentialBinding(sync)),
          adminEmail: sync.adminEmail ?? "",
          customerId: sync.customerId ?? "my_customer",
        },
      };
  }
}
