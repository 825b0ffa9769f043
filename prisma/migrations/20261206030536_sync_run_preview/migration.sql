-- AlterTable
ALTER TABLE "SyncRun" ADD COLUMN     "preview" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "SyncRunPreviewUser" (
    "syncRunId" TEXT NOT NULL,
    "externalId" TEXT NOT NULL,
    "userId" TEXT,
    "key" TEXT NOT NULL,

    CONSTRAINT "SyncRunPreviewUser_pkey" PRIMARY KEY ("syncRunId","externalId")
);

-- CreateIndex
CREATE INDEX "SyncRunPreviewUser_syncRunId_key_idx" ON "SyncRunPreviewUser"("syncRunId", "key");

-- CreateIndex
CREATE INDEX "SyncRunPreviewUser_syncRunId_userId_idx" ON "SyncRunPreviewUser"("syncRunId", "userId");

-- AddForeignKey
ALTER TABLE "SyncRunPreviewUser" ADD CONSTRAINT "SyncRunPreviewUser_syncRunId_fkey" FOREIGN KEY ("syncRunId") REFERENCES "SyncRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;
