-- CreateTable
CREATE TABLE "accounts" (
    "id" UUID NOT NULL,
    "locale" TEXT NOT NULL DEFAULT 'en',
    "status" TEXT NOT NULL DEFAULT 'active',
    "lowBalanceThreshold" BIGINT,
    "lowBalanceArmed" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "accounts_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "accounts_status_check" CHECK ("status" IN ('active', 'suspended'))
);

-- CreateTable
CREATE TABLE "chat_identities" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "platform" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "displayName" TEXT,
    "locale" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "chat_identities_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "balances" (
    "accountId" UUID NOT NULL,
    "bucket" TEXT NOT NULL,
    "amount" BIGINT NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "balances_pkey" PRIMARY KEY ("accountId","bucket"),
    CONSTRAINT "balances_bucket_check" CHECK ("bucket" IN ('principal', 'bonus', 'trial', 'promo'))
);

-- CreateTable
CREATE TABLE "postings" (
    "id" BIGSERIAL NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "requestHash" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "postings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ledger_entries" (
    "id" BIGSERIAL NOT NULL,
    "postingId" BIGINT NOT NULL,
    "accountId" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "bucket" TEXT NOT NULL,
    "amount" BIGINT NOT NULL,
    "balanceAfter" BIGINT NOT NULL,
    "bucketBalanceAfter" BIGINT NOT NULL,
    "actorType" TEXT NOT NULL,
    "actorId" TEXT,
    "reference" TEXT,
    "memo" TEXT,
    "idempotencyKey" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ledger_entries_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "ledger_entries_bucket_check" CHECK ("bucket" IN ('principal', 'bonus', 'trial', 'promo')),
    CONSTRAINT "ledger_entries_actor_check" CHECK ("actorType" IN ('customer', 'support', 'system')),
    CONSTRAINT "ledger_entries_type_check" CHECK ("type" IN ('trial_credit', 'usdt_topup', 'topup_bonus', 'api_usage', 'admin_adjustment', 'redemption_credit', 'referral_reward', 'voucher', 'refund', 'bonus_reversal'))
);

-- CreateTable
CREATE TABLE "topup_orders" (
    "id" UUID NOT NULL,
    "seq" SERIAL NOT NULL,
    "orderNo" TEXT NOT NULL,
    "accountId" UUID NOT NULL,
    "methodId" TEXT NOT NULL,
    "methodKind" TEXT NOT NULL,
    "network" TEXT,
    "requestedAmount" BIGINT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "bonusRule" JSONB NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "surface" TEXT NOT NULL,
    "customerWorkspace" TEXT NOT NULL,
    "customerUserId" TEXT NOT NULL,
    "locale" TEXT NOT NULL DEFAULT 'en',
    "txHash" TEXT,
    "screenshotSha256" TEXT,
    "screenshotMime" TEXT,
    "submittedAt" TIMESTAMPTZ(3),
    "verdict" JSONB,
    "verifiedAt" TIMESTAMPTZ(3),
    "reviewNote" TEXT,
    "confirmedPrincipal" BIGINT,
    "confirmedBonus" BIGINT,
    "decidedAt" TIMESTAMPTZ(3),
    "decidedByType" TEXT,
    "decidedById" TEXT,
    "rejectReason" TEXT,
    "rejectNote" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "topup_orders_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "topup_orders_status_check" CHECK ("status" IN ('pending', 'submitted', 'confirmed', 'rejected', 'expired', 'cancelled', 'refunded')),
    CONSTRAINT "topup_orders_amount_check" CHECK ("requestedAmount" > 0)
);

-- CreateTable
CREATE TABLE "credited_logs" (
    "network" TEXT NOT NULL,
    "txHash" TEXT NOT NULL,
    "logIndex" INTEGER NOT NULL,
    "orderId" UUID NOT NULL,
    "amountRaw" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "credited_logs_pkey" PRIMARY KEY ("network","txHash","logIndex")
);

-- CreateTable
CREATE TABLE "support_cards" (
    "orderId" UUID NOT NULL,
    "platform" TEXT NOT NULL,
    "channelId" TEXT NOT NULL,
    "messageId" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "support_cards_pkey" PRIMARY KEY ("orderId","platform")
);

-- CreateTable
CREATE TABLE "stored_files" (
    "sha256" TEXT NOT NULL,
    "mime" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stored_files_pkey" PRIMARY KEY ("sha256")
);

-- CreateTable
CREATE TABLE "outbox_messages" (
    "id" BIGSERIAL NOT NULL,
    "dedupeKey" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "recipient" JSONB NOT NULL,
    "payload" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lockedUntil" TIMESTAMPTZ(3),
    "lastError" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" TIMESTAMPTZ(3),

    CONSTRAINT "outbox_messages_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "outbox_messages_status_check" CHECK ("status" IN ('pending', 'sent', 'dead'))
);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" BIGSERIAL NOT NULL,
    "actorType" TEXT NOT NULL,
    "actorId" TEXT,
    "platform" TEXT,
    "action" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "orderId" UUID,
    "accountId" UUID,
    "detail" JSONB,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "link_codes" (
    "codeHash" TEXT NOT NULL,
    "accountId" UUID NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "usedAt" TIMESTAMPTZ(3),
    "usedBy" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "link_codes_pkey" PRIMARY KEY ("codeHash")
);

-- CreateTable
CREATE TABLE "usage_records" (
    "recordId" TEXT NOT NULL,
    "accountId" UUID NOT NULL,
    "model" TEXT NOT NULL,
    "endpoint" TEXT NOT NULL,
    "inputTokens" INTEGER NOT NULL DEFAULT 0,
    "outputTokens" INTEGER NOT NULL DEFAULT 0,
    "cachedTokens" INTEGER NOT NULL DEFAULT 0,
    "calls" INTEGER NOT NULL DEFAULT 0,
    "cost" BIGINT NOT NULL,
    "occurredAt" TIMESTAMPTZ(3) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "usage_records_pkey" PRIMARY KEY ("recordId"),
    CONSTRAINT "usage_records_cost_check" CHECK ("cost" >= 0)
);

-- CreateIndex
CREATE UNIQUE INDEX "chat_identities_platform_workspaceId_userId_key" ON "chat_identities"("platform", "workspaceId", "userId");
CREATE INDEX "chat_identities_accountId_idx" ON "chat_identities"("accountId");
CREATE UNIQUE INDEX "postings_idempotencyKey_key" ON "postings"("idempotencyKey");
CREATE UNIQUE INDEX "ledger_entries_idempotencyKey_key" ON "ledger_entries"("idempotencyKey");
CREATE INDEX "ledger_entries_accountId_id_idx" ON "ledger_entries"("accountId", "id");
CREATE INDEX "ledger_entries_accountId_type_createdAt_idx" ON "ledger_entries"("accountId", "type", "createdAt");
CREATE UNIQUE INDEX "topup_orders_seq_key" ON "topup_orders"("seq");
CREATE UNIQUE INDEX "topup_orders_orderNo_key" ON "topup_orders"("orderNo");
CREATE UNIQUE INDEX "topup_orders_network_txHash_key" ON "topup_orders"("network", "txHash");
CREATE INDEX "topup_orders_accountId_createdAt_idx" ON "topup_orders"("accountId", "createdAt");
CREATE INDEX "topup_orders_status_expiresAt_idx" ON "topup_orders"("status", "expiresAt");
CREATE UNIQUE INDEX "outbox_messages_dedupeKey_key" ON "outbox_messages"("dedupeKey");
CREATE INDEX "outbox_messages_status_nextAttemptAt_idx" ON "outbox_messages"("status", "nextAttemptAt");
CREATE INDEX "audit_log_orderId_idx" ON "audit_log"("orderId");
CREATE INDEX "usage_records_accountId_occurredAt_idx" ON "usage_records"("accountId", "occurredAt");

-- AddForeignKey
ALTER TABLE "chat_identities" ADD CONSTRAINT "chat_identities_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "balances" ADD CONSTRAINT "balances_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_postingId_fkey" FOREIGN KEY ("postingId") REFERENCES "postings"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "topup_orders" ADD CONSTRAINT "topup_orders_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "credited_logs" ADD CONSTRAINT "credited_logs_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "topup_orders"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "support_cards" ADD CONSTRAINT "support_cards_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "topup_orders"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Ledger entries and postings are immutable: a correction is a new entry.
CREATE FUNCTION "ledger_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger rows are immutable: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER "ledger_entries_immutable" BEFORE UPDATE OR DELETE ON "ledger_entries"
    FOR EACH ROW EXECUTE FUNCTION "ledger_refuse_change"();
CREATE TRIGGER "ledger_entries_no_truncate" BEFORE TRUNCATE ON "ledger_entries"
    FOR EACH STATEMENT EXECUTE FUNCTION "ledger_refuse_change"();
CREATE TRIGGER "postings_immutable" BEFORE UPDATE OR DELETE ON "postings"
    FOR EACH ROW EXECUTE FUNCTION "ledger_refuse_change"();
