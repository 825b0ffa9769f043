-- AlterTable
ALTER TABLE "SyncRun" ADD COLUMN     "pendingGroupRemovals" INTEGER,
ADD COLUMN     "pendingMembershipRemovals" INTEGER;
