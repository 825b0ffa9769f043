-- AlterTable
ALTER TABLE "SyncRunSeen" ADD COLUMN     "externalIds" TEXT;
