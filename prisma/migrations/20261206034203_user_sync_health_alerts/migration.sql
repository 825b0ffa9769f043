-- AlterTable
ALTER TABLE "UserSync" ADD COLUMN     "alertAfterFailures" INTEGER NOT NULL DEFAULT 3,
ADD COLUMN     "alertAfterHours" INTEGER NOT NULL DEFAULT 24,
ADD COLUMN     "healthAlertSentAt" TIMESTAMP(3),
ADD COLUMN     "healthIncidentSince" TIMESTAMP(3);
