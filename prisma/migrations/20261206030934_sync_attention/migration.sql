-- CreateEnum
CREATE TYPE "SyncAttentionCode" AS ENUM ('NO_UNIQUE_VALUE', 'INVALID_DATA', 'DUPLICATE', 'HELD_BY_UNSOURCED_USER', 'HELD_BY_OTHER_SOURCE');

-- CreateTable
CREATE TABLE "SyncAttention" (
    "id" TEXT NOT NULL,
    "userSyncId" TEXT NOT NULL,
    "externalId" TEXT NOT NULL,
    "code" "SyncAttentionCode" NOT NULL,
    "reason" TEXT NOT NULL,
    "userKey" TEXT,
    "name" TEXT NOT NULL,
    "email" TEXT,
    "username" TEXT,
    "collidesWithExternalId" TEXT,
    "collidesWithUserId" TEXT,
    "firstSeenRunId" TEXT NOT NULL,
    "firstSeenAt" TIMESTAMP(3) NOT NULL,
    "lastSeenRunId" TEXT NOT NULL,
    "lastSeenAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SyncAttention_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "SyncAttention_userSyncId_name_id_idx" ON "SyncAttention"("userSyncId", "name", "id");

-- CreateIndex
CREATE UNIQUE INDEX "SyncAttention_userSyncId_externalId_key" ON "SyncAttention"("userSyncId", "externalId");

-- AddForeignKey
ALTER TABLE "SyncAttention" ADD CONSTRAINT "SyncAttention_userSyncId_fkey" FOREIGN KEY ("userSyncId") REFERENCES "UserSync"("id") ON DELETE CASCADE ON UPDATE CASCADE;
