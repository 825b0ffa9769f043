-- AlterTable
ALTER TABLE "UserGroup" ADD COLUMN     "externalMemberCount" INTEGER;
