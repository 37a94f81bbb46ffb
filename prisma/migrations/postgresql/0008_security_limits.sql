-- CreateTable
CREATE TABLE "AbuseEvent" (
    "id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AbuseEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LoginThrottle" (
    "key" TEXT NOT NULL,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "lockedUntil" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "LoginThrottle_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "VisitorBlock" (
    "id" TEXT NOT NULL,
    "siteId" TEXT NOT NULL,
    "visitorId" TEXT,
    "ip" TEXT,
    "byAgentId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "VisitorBlock_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AbuseEvent_key_at_idx" ON "AbuseEvent"("key", "at");

-- CreateIndex
CREATE INDEX "VisitorBlock_siteId_visitorId_idx" ON "VisitorBlock"("siteId", "visitorId");

-- CreateIndex
CREATE INDEX "VisitorBlock_siteId_ip_idx" ON "VisitorBlock"("siteId", "ip");

