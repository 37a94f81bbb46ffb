-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Conversation" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "siteId" TEXT NOT NULL,
    "visitorId" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "assigneeId" TEXT,
    "lastSeq" INTEGER NOT NULL DEFAULT 0,
    "openKey" TEXT,
    "tags" TEXT NOT NULL DEFAULT '[]',
    "rating" INTEGER,
    "visitorReadSeq" INTEGER NOT NULL DEFAULT 0,
    "agentReadSeq" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "queuedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "priority" INTEGER NOT NULL DEFAULT 0,
    "returnedById" TEXT,
    "assignedAt" DATETIME,
    "firstResponseAt" DATETIME,
    "closedAt" DATETIME,
    "visitorMinute" INTEGER NOT NULL DEFAULT 0,
    "visitorMinuteCount" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "Conversation_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Conversation_visitorId_fkey" FOREIGN KEY ("visitorId") REFERENCES "Visitor" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Conversation_assigneeId_fkey" FOREIGN KEY ("assigneeId") REFERENCES "Agent" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Conversation" ("agentReadSeq", "assignedAt", "assigneeId", "closedAt", "createdAt", "firstResponseAt", "id", "lastSeq", "openKey", "priority", "queuedAt", "rating", "returnedById", "siteId", "status", "tags", "visitorId", "visitorReadSeq") SELECT "agentReadSeq", "assignedAt", "assigneeId", "closedAt", "createdAt", "firstResponseAt", "id", "lastSeq", "openKey", "priority", "queuedAt", "rating", "returnedById", "siteId", "status", "tags", "visitorId", "visitorReadSeq" FROM "Conversation";
DROP TABLE "Conversation";
ALTER TABLE "new_Conversation" RENAME TO "Conversation";
CREATE INDEX "Conversation_status_queuedAt_idx" ON "Conversation"("status", "queuedAt");
CREATE INDEX "Conversation_status_priority_queuedAt_idx" ON "Conversation"("status", "priority", "queuedAt");
CREATE INDEX "Conversation_siteId_createdAt_idx" ON "Conversation"("siteId", "createdAt");
CREATE INDEX "Conversation_assigneeId_status_idx" ON "Conversation"("assigneeId", "status");
CREATE INDEX "Conversation_createdAt_id_idx" ON "Conversation"("createdAt", "id");
CREATE UNIQUE INDEX "Conversation_visitorId_openKey_key" ON "Conversation"("visitorId", "openKey");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

