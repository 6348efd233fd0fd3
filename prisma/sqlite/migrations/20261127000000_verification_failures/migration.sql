-- CreateTable
CREATE TABLE "VerificationFailure" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "accountId" TEXT NOT NULL,
    "supportAgentId" TEXT NOT NULL,
    "failedAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "VerificationFailure_accountId_failedAt_idx" ON "VerificationFailure"("accountId", "failedAt");
