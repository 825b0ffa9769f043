-- A run's items of a kind in id order: each keyset page of its tabs and of its CSV exports is an index
-- range scan, not a sort of every item of the kind (160 ms a page for a first sync of 100,000 users).
-- DropIndex
DROP INDEX "SyncRunItem_syncRunId_kind_idx";

-- CreateIndex
CREATE INDEX "SyncRunItem_syncRunId_kind_id_idx" ON "SyncRunItem"("syncRunId", "kind", "id");
