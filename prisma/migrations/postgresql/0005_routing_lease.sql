-- CreateTable
CREATE TABLE "RoutingLease" (
    "id" INTEGER NOT NULL,
    "owner" TEXT,
    "until" TIMESTAMP(3),
    "dirty" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "RoutingLease_pkey" PRIMARY KEY ("id")
);

