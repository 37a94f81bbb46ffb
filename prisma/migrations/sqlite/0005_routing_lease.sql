-- CreateTable
CREATE TABLE "RoutingLease" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "owner" TEXT,
    "until" DATETIME,
    "dirty" INTEGER NOT NULL DEFAULT 0
);

