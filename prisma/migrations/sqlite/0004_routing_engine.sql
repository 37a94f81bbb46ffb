-- AlterTable
ALTER TABLE "Agent" ADD COLUMN "disconnectedAt" DATETIME;

-- CreateTable
CREATE TABLE "SiteMember" (
    "siteId" TEXT NOT NULL,
    "agentId" TEXT NOT NULL,

    PRIMARY KEY ("siteId", "agentId"),
    CONSTRAINT "SiteMember_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "SiteMember_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AgentConnection" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "agentId" TEXT NOT NULL,
    "instanceId" TEXT NOT NULL,
    "seenAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "AgentConnection_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "RoutingEvent" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "kind" TEXT NOT NULL,
    "conversationId" TEXT,
    "agentId" TEXT,
    "openCount" INTEGER,
    "detail" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "RoutingEvent_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "Conversation" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Site" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "allowedOrigins" TEXT NOT NULL DEFAULT '[]',
    "settings" TEXT NOT NULL DEFAULT '{}',
    "identitySecret" TEXT NOT NULL,
    "routingMode" TEXT NOT NULL DEFAULT 'auto',
    "defaultCapacity" INTEGER,
    "retentionDays" INTEGER,
    "membersOnly" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO "new_Site" ("allowedOrigins", "createdAt", "defaultCapacity", "id", "identitySecret", "key", "name", "retentionDays", "routingMode", "settings") SELECT "allowedOrigins", "createdAt", "defaultCapacity", "id", "identitySecret", "key", "name", "retentionDays", "routingMode", "settings" FROM "Site";
DROP TABLE "Site";
ALTER TABLE "new_Site" RENAME TO "Site";
CREATE UNIQUE INDEX "Site_key_key" ON "Site"("key");
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
    CONSTRAINT "Conversation_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Conversation_visitorId_fkey" FOREIGN KEY ("visitorId") REFERENCES "Visitor" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Conversation_assigneeId_fkey" FOREIGN KEY ("assigneeId") REFERENCES "Agent" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Conversation" ("agentReadSeq", "assignedAt", "assigneeId", "closedAt", "createdAt", "firstResponseAt", "id", "lastSeq", "openKey", "queuedAt", "rating", "siteId", "status", "tags", "visitorId", "visitorReadSeq") SELECT "agentReadSeq", "assignedAt", "assigneeId", "closedAt", "createdAt", "firstResponseAt", "id", "lastSeq", "openKey", "queuedAt", "rating", "siteId", "status", "tags", "visitorId", "visitorReadSeq" FROM "Conversation";
DROP TABLE "Conversation";
ALTER TABLE "new_Conversation" RENAME TO "Conversation";
CREATE INDEX "Conversation_status_queuedAt_idx" ON "Conversation"("status", "queuedAt");
CREATE INDEX "Conversation_status_priority_queuedAt_idx" ON "Conversation"("status", "priority", "queuedAt");
CREATE INDEX "Conversation_siteId_createdAt_idx" ON "Conversation"("siteId", "createdAt");
CREATE INDEX "Conversation_assigneeId_status_idx" ON "Conversation"("assigneeId", "status");
CREATE UNIQUE INDEX "Conversation_visitorId_openKey_key" ON "Conversation"("visitorId", "openKey");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "SiteMember_agentId_idx" ON "SiteMember"("agentId");

-- CreateIndex
CREATE INDEX "AgentConnection_agentId_idx" ON "AgentConnection"("agentId");

-- CreateIndex
CREATE INDEX "AgentConnection_instanceId_idx" ON "AgentConnection"("instanceId");

-- CreateIndex
CREATE INDEX "RoutingEvent_conversationId_idx" ON "RoutingEvent"("conversationId");

-- CreateIndex
CREATE INDEX "RoutingEvent_agentId_id_idx" ON "RoutingEvent"("agentId", "id");

-- CreateIndex
CREATE INDEX "RoutingEvent_createdAt_idx" ON "RoutingEvent"("createdAt");

