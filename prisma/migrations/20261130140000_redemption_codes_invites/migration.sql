-- Issue 15: redemption codes and invite rewards (PRODUCT §5).

-- A batch of redemption codes support made at once, shown as RC-<seq>. Codes are stored only as
-- an HMAC of their normalized text (src/codes/codeHash.ts): the database holds none in clear.
CREATE TABLE "redemption_batches" (
    "id" UUID NOT NULL,
    "seq" SERIAL NOT NULL,
    "amount" BIGINT NOT NULL,
    "codeCount" INTEGER NOT NULL,
    "usesPerCode" INTEGER NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "eligibility" TEXT NOT NULL,
    "newAccountDays" INTEGER,
    "accountIds" UUID[] NOT NULL DEFAULT ARRAY[]::UUID[],
    "note" TEXT,
    "status" TEXT NOT NULL DEFAULT 'active',
    "createdBy" TEXT NOT NULL,
    "createdByAccount" UUID,
    "disabledBy" TEXT,
    "disabledAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "redemption_batches_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "redemption_batches_amount_check" CHECK ("amount" > 0),
    CONSTRAINT "redemption_batches_count_check" CHECK ("codeCount" > 0),
    CONSTRAINT "redemption_batches_uses_check" CHECK ("usesPerCode" > 0),
    CONSTRAINT "redemption_batches_status_check" CHECK ("status" IN ('active', 'disabled')),
    CONSTRAINT "redemption_batches_disabled_check" CHECK (("status" = 'disabled') = ("disabledAt" IS NOT NULL)),
    CONSTRAINT "redemption_batches_eligibility_check" CHECK (
        ("eligibility" = 'new' AND "newAccountDays" > 0)
        OR ("eligibility" = 'any' AND "newAccountDays" IS NULL)
        OR ("eligibility" = 'listed' AND "newAccountDays" IS NULL AND cardinality("accountIds") > 0)
    )
);
CREATE UNIQUE INDEX "redemption_batches_seq_key" ON "redemption_batches"("seq");

-- One code: its hash and how many accounts have used it. The row is locked by each redemption,
-- so `uses` never passes the batch's usesPerCode however many redeem at once.
CREATE TABLE "redemption_codes" (
    "id" BIGSERIAL NOT NULL,
    "batchId" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "codeHash" TEXT NOT NULL,
    "uses" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "redemption_codes_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "redemption_codes_batchId_fkey" FOREIGN KEY ("batchId") REFERENCES "redemption_batches"("id"),
    CONSTRAINT "redemption_codes_uses_check" CHECK ("uses" >= 0)
);
CREATE UNIQUE INDEX "redemption_codes_codeHash_key" ON "redemption_codes"("codeHash");
CREATE UNIQUE INDEX "redemption_codes_batchId_position_key" ON "redemption_codes"("batchId", "position");

-- Who redeemed which code: once per account and code.
CREATE TABLE "redemptions" (
    "id" BIGSERIAL NOT NULL,
    "codeId" BIGINT NOT NULL,
    "batchId" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "amount" BIGINT NOT NULL,
    "postingId" BIGINT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "redemptions_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "redemptions_codeId_fkey" FOREIGN KEY ("codeId") REFERENCES "redemption_codes"("id"),
    CONSTRAINT "redemptions_batchId_fkey" FOREIGN KEY ("batchId") REFERENCES "redemption_batches"("id"),
    CONSTRAINT "redemptions_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id"),
    CONSTRAINT "redemptions_postingId_fkey" FOREIGN KEY ("postingId") REFERENCES "postings"("id")
);
CREATE UNIQUE INDEX "redemptions_codeId_accountId_key" ON "redemptions"("codeId", "accountId");
CREATE INDEX "redemptions_batchId_idx" ON "redemptions"("batchId");
CREATE INDEX "redemptions_accountId_idx" ON "redemptions"("accountId");

-- Each account's own invite code (public: it is meant to be shared), made on first use.
CREATE TABLE "invite_codes" (
    "accountId" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "invite_codes_pkey" PRIMARY KEY ("accountId"),
    CONSTRAINT "invite_codes_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id")
);
CREATE UNIQUE INDEX "invite_codes_code_key" ON "invite_codes"("code");

-- An accepted invite. What it has earned is derived from the invitee's confirmed top-ups
-- (src/invites/inviteRewards.ts); only what was paid out is kept here: "paidOut" is the net of the
-- referral_reward entries posted for it (transfers less reversals), "postings" numbers them.
CREATE TABLE "invites" (
    "id" UUID NOT NULL,
    "inviterAccountId" UUID NOT NULL,
    "inviteeAccountId" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "rewardBps" INTEGER NOT NULL,
    "unlockSpend" BIGINT NOT NULL,
    "acceptedAt" TIMESTAMPTZ(3) NOT NULL,
    "paidOut" BIGINT NOT NULL DEFAULT 0,
    "postings" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "invites_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "invites_inviterAccountId_fkey" FOREIGN KEY ("inviterAccountId") REFERENCES "accounts"("id"),
    CONSTRAINT "invites_inviteeAccountId_fkey" FOREIGN KEY ("inviteeAccountId") REFERENCES "accounts"("id"),
    CONSTRAINT "invites_not_self_check" CHECK ("inviterAccountId" <> "inviteeAccountId"),
    CONSTRAINT "invites_bps_check" CHECK ("rewardBps" BETWEEN 0 AND 10000),
    CONSTRAINT "invites_unlock_check" CHECK ("unlockSpend" >= 0),
    CONSTRAINT "invites_paid_check" CHECK ("paidOut" >= 0 AND "postings" >= 0)
);
CREATE UNIQUE INDEX "invites_inviteeAccountId_key" ON "invites"("inviteeAccountId");
CREATE INDEX "invites_inviterAccountId_idx" ON "invites"("inviterAccountId");
