-- Support tools (issue 14): adjustments and vouchers, with a second support member's approval
-- above ADJUST_APPROVAL_USD.
CREATE TABLE "adjustment_requests" (
    "id" UUID NOT NULL,
    "seq" SERIAL NOT NULL,
    "accountId" UUID NOT NULL,
    "entryType" TEXT NOT NULL,
    "bucket" TEXT NOT NULL,
    "amount" BIGINT NOT NULL,
    "reason" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "surface" TEXT NOT NULL,
    "requestedByWorkspace" TEXT NOT NULL,
    "requestedById" TEXT NOT NULL,
    "requestedByName" TEXT,
    "requestedByAccount" UUID,
    "decidedByPlatform" TEXT,
    "decidedByWorkspace" TEXT,
    "decidedById" TEXT,
    "decidedByName" TEXT,
    "decidedAt" TIMESTAMPTZ(3),
    "postingId" BIGINT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "adjustment_requests_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "adjustment_requests_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id"),
    CONSTRAINT "adjustment_requests_postingId_fkey" FOREIGN KEY ("postingId") REFERENCES "postings"("id"),
    CONSTRAINT "adjustment_requests_status_check" CHECK ("status" IN ('pending', 'applied', 'approved', 'declined')),
    CONSTRAINT "adjustment_requests_bucket_check" CHECK ("bucket" IN ('principal', 'bonus', 'trial', 'promo')),
    CONSTRAINT "adjustment_requests_type_check" CHECK (
        ("entryType" = 'admin_adjustment' AND "amount" <> 0)
        OR ("entryType" = 'voucher' AND "bucket" = 'promo' AND "amount" > 0)
    ),
    CONSTRAINT "adjustment_requests_reason_check" CHECK (length(btrim("reason")) > 0),
    -- Written means a posting; a posting means written.
    CONSTRAINT "adjustment_requests_posting_check" CHECK (("postingId" IS NOT NULL) = ("status" IN ('applied', 'approved')))
);
CREATE UNIQUE INDEX "adjustment_requests_seq_key" ON "adjustment_requests"("seq");
CREATE INDEX "adjustment_requests_accountId_createdAt_idx" ON "adjustment_requests"("accountId", "createdAt");
CREATE INDEX "adjustment_requests_status_createdAt_idx" ON "adjustment_requests"("status", "createdAt");

-- The audit log of an account, newest first a page at a time (`audit <account>`): without it each
-- page scans the whole log backwards.
CREATE INDEX "audit_log_accountId_id_idx" ON "audit_log"("accountId", "id");
