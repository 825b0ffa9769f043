-- AlterTable
ALTER TABLE "SyncRun" ADD COLUMN     "fallback" TEXT,
ADD COLUMN     "logChanges" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "UserSync" ADD COLUMN     "logCursor" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "SyncRunChange" (
    "syncRunId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "change" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SyncRunChange_pkey" PRIMARY KEY ("syncRunId","kind","key")
);

-- AddForeignKey
ALTER TABLE "SyncRunChange" ADD CONSTRAINT "SyncRunChange_syncRunId_fkey" FOREIGN KEY ("syncRunId") REFERENCES "SyncRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Runs recorded before delta runs existed re-listed groups: say so, rather than show them as delta runs.
UPDATE "SyncRun" SET "fallback" = 'Recorded before delta runs: this run re-listed the groups whose members changed.'
WHERE "mode" = 'INCREMENTAL';
