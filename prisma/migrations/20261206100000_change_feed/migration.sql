-- A directory whose listings are a change feed (Microsoft Graph's delta queries): the positions
-- the next delta run starts from, and those a run reached.
ALTER TABLE "UserSync" ADD COLUMN "feedPositions" JSONB;
ALTER TABLE "SyncRun" ADD COLUMN "feedPositions" JSONB;
