-- AlterTable
ALTER TABLE "Conversation" ADD COLUMN     "visitorMinute" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "visitorMinuteCount" INTEGER NOT NULL DEFAULT 0;

