-- Refunds (issue 14): a customer asks for unused principal back; support approves it with the
-- outgoing payment's reference, or rejects it. The principal and bonus paid back per top-up are
-- kept on topup_orders ("refundedPrincipal", "reversedBonus", migration 20261130090000).
CREATE TABLE "refund_requests" (
    "id" UUID NOT NULL,
    "seq" SERIAL NOT NULL,
    "accountId" UUID NOT NULL,
    "requestedAmount" BIGINT NOT NULL,
    "whole" BOOLEAN NOT NULL DEFAULT false,
    "reason" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "surface" TEXT NOT NULL,
    "customerWorkspace" TEXT NOT NULL,
    "customerUserId" TEXT NOT NULL,
    "locale" TEXT NOT NULL DEFAULT 'en',
    "refundedPrincipal" BIGINT,
    "reversedBonus" BIGINT,
    "bonusDue" BIGINT,
    "allocations" JSONB,
    "paymentReference" TEXT,
    "paymentReferenceKey" TEXT,
    "rejectReason" TEXT,
    "decidedByType" TEXT,
    "decidedById" TEXT,
    "decidedAt" TIMESTAMPTZ(3),
    "postingId" BIGINT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "refund_requests_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "refund_requests_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id"),
    CONSTRAINT "refund_requests_postingId_fkey" FOREIGN KEY ("postingId") REFERENCES "postings"("id"),
    CONSTRAINT "refund_requests_status_check" CHECK ("status" IN ('pending', 'approved', 'rejected')),
    CONSTRAINT "refund_requests_amount_check" CHECK ("requestedAmount" > 0),
    CONSTRAINT "refund_requests_reason_check" CHECK (length(btrim("reason")) > 0),
    -- Approved means paid out and written: a reference, a posting and what it moved.
    CONSTRAINT "refund_requests_approved_check" CHECK (
        ("status" = 'approved') = ("postingId" IS NOT NULL AND "paymentReferenceKey" IS NOT NULL AND "refundedPrincipal" IS NOT NULL)
    ),
    CONSTRAINT "refund_requests_moved_check" CHECK (
        "refundedPrincipal" IS NULL OR ("refundedPrincipal" > 0 AND "reversedBonus" >= 0 AND "reversedBonus" <= "bonusDue")
    ),
    CONSTRAINT "refund_requests_rejected_check" CHECK (("status" = 'rejected') = ("rejectReason" IS NOT NULL))
);
CREATE UNIQUE INDEX "refund_requests_seq_key" ON "refund_requests"("seq");
CREATE UNIQUE INDEX "refund_requests_paymentReferenceKey_key" ON "refund_requests"("paymentReferenceKey");
CREATE INDEX "refund_requests_accountId_status_idx" ON "refund_requests"("accountId", "status");
CREATE INDEX "refund_requests_status_createdAt_idx" ON "refund_requests"("status", "createdAt");
