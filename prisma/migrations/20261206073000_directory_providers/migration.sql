-- Microsoft Entra ID and Google Workspace beside Okta. `domain` holds each directory's address:
-- Okta's org origin, Entra's tenant, Google's Workspace domain.
ALTER TYPE "SyncProvider" ADD VALUE 'ENTRA_ID';
ALTER TYPE "SyncProvider" ADD VALUE 'GOOGLE_WORKSPACE';

ALTER TABLE "UserSync"
  ADD COLUMN "adminEmail" TEXT,
  ADD COLUMN "customerId" TEXT;
