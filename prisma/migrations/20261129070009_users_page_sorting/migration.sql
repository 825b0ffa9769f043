-- AlterTable
ALTER TABLE "DirectoryUser" ADD COLUMN     "name" TEXT NOT NULL DEFAULT '';

-- CreateIndex
CREATE INDEX "DirectoryUser_organizationId_name_id_idx" ON "DirectoryUser"("organizationId", "name", "id");

-- CreateIndex
CREATE INDEX "SyncRunItem_externalId_idx" ON "SyncRunItem"("externalId");
