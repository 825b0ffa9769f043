/*
  Warnings:

  - You are about to drop the column `lastSeenRunId` on the `DirectoryUser` table. All the data in the column will be lost.

*/
-- AlterTable
ALTER TABLE "DirectoryUser" DROP COLUMN "lastSeenRunId";

-- AlterTable
ALTER TABLE "SyncRun" ADD COLUMN     "checkpoint" JSONB,
ADD COLUMN     "stepSeq" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "UserGroup" ADD COLUMN     "externalMembershipUpdatedAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "SyncRunSeen" (
    "syncRunId" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "deprovisioned" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "SyncRunSeen_pkey" PRIMARY KEY ("syncRunId","scope","key")
);

-- AddForeignKey
ALTER TABLE "SyncRunSeen" ADD CONSTRAINT "SyncRunSeen_syncRunId_fkey" FOREIGN KEY ("syncRunId") REFERENCES "SyncRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;
