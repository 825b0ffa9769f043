-- AlterTable
ALTER TABLE "SyncRun" ADD COLUMN     "rateLimitWaitMs" INTEGER NOT NULL DEFAULT 0;
