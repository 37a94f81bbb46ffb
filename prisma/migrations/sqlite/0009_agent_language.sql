-- AlterTable
ALTER TABLE "Agent" ADD COLUMN "language" TEXT;

