-- AlterTable
ALTER TABLE "Conversation" ADD COLUMN     "agentReadSeq" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "visitorReadSeq" INTEGER NOT NULL DEFAULT 0;

