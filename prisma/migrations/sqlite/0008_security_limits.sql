-- CreateTable
CREATE TABLE "AbuseEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "key" TEXT NOT NULL,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "LoginThrottle" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "lockedUntil" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "VisitorBlock" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "siteId" TEXT NOT NULL,
    "visitorId" TEXT,
    "ip" TEXT,
    "byAgentId" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE INDEX "AbuseEvent_key_at_idx" ON "AbuseEvent"("key", "at");

-- CreateIndex
CREATE INDEX "VisitorBlock_siteId_visitorId_idx" ON "VisitorBlock"("siteId", "visitorId");

-- CreateIndex
CREATE INDEX "VisitorBlock_siteId_ip_idx" ON "VisitorBlock"("siteId", "ip");

