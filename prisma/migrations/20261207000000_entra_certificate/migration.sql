-- Entra ID syncs sign in with a client secret or a certificate: the Okta-only enum becomes every
-- directory's, and an Entra certificate's expiry is kept beside its (encrypted) credential.
ALTER TYPE "OktaAuthMethod" RENAME TO "AuthMethod";
ALTER TYPE "AuthMethod" ADD VALUE 'CLIENT_SECRET';
ALTER TYPE "AuthMethod" ADD VALUE 'CERTIFICATE';

ALTER TABLE "UserSync" ADD COLUMN "credentialExpiresAt" TIMESTAMP(3);
