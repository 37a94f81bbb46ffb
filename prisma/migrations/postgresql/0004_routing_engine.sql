-- AlterTable
ALTER TABLE "Site" ADD COLUMN     "membersOnly" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "Agent" ADD COLUMN     "disconnectedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Conversation" ADD COLUMN     "priority" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "returnedById" TEXT;

-- CreateTable
CREATE TABLE "SiteMember" (
    "siteId" TEXT NOT NULL,
    "agentId" TEXT NOT NULL,

    CONSTRAINT "SiteMember_pkey" PRIMARY KEY ("siteId","agentId")
);

-- CreateTable
CREATE TABLE "AgentConnection" (
    "id" TEXT NOT NULL,
    "agentId" TEXT NOT NULL,
    "instanceId" TEXT NOT NULL,
    "seenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AgentConnection_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RoutingEvent" (
    "id" SERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "conversationId" TEXT,
    "agentId" TEXT,
    "openCount" INTEGER,
    "detail" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RoutingEvent_pkey" PRIMARY KEY ("id")
);

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

-- CreateIndex
CREATE INDEX "Conversation_status_priority_queuedAt_idx" ON "Conversation"("status", "priority", "queuedAt");

-- AddForeignKey
ALTER TABLE "SiteMember" ADD CONSTRAINT "SiteMember_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SiteMember" ADD CONSTRAINT "SiteMember_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AgentConnection" ADD CONSTRAINT "AgentConnection_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RoutingEvent" ADD CONSTRAINT "RoutingEvent_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "Conversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

