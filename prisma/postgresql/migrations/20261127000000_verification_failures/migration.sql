-- CreateTable
CREATE TABLE "VerificationFailure" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "supportAgentId" TEXT NOT NULL,
    "failedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "VerificationFailure_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "VerificationFailure_accountId_failedAt_idx" ON "VerificationFailure"("accountId", "failedAt");
