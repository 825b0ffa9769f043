-- Okta OAuth 2.0 service apps beside API tokens: the sync's one encrypted credential is either.
CREATE TYPE "OktaAuthMethod" AS ENUM ('API_TOKEN', 'OAUTH_SERVICE_APP');

ALTER TABLE "UserSync" RENAME COLUMN "tokenCiphertext" TO "credentialCiphertext";
ALTER TABLE "UserSync" RENAME COLUMN "tokenLast4" TO "credentialHint";
ALTER TABLE "UserSync"
  ADD COLUMN "authMethod" "OktaAuthMethod" NOT NULL DEFAULT 'API_TOKEN',
  ADD COLUMN "clientId" TEXT,
  ADD COLUMN "dpop" BOOLEAN NOT NULL DEFAULT false;
