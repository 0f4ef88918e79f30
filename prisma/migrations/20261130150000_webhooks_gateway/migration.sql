-- Issue 17: signed outbound webhooks and the new-api / one-api connector. The event relay reads
-- what the domain already commits (ledger entries, the audit log, the outbox) from a cursor per
-- source, and enqueues webhook and gateway messages in the transaction that moves the cursor.
CREATE TABLE "relay_cursors" (
    "source" TEXT NOT NULL,
    "position" BIGINT NOT NULL,
    "horizonId" BIGINT,
    "horizonXmax" BIGINT,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "relay_cursors_pkey" PRIMARY KEY ("source")
);

-- History written before this migration is not replayed as events: each cursor starts at the
-- newest row of its table.
INSERT INTO "relay_cursors" ("source", "position")
SELECT 'ledger_entries', COALESCE(max("id"), 0) FROM "ledger_entries"
UNION ALL SELECT 'audit_log', COALESCE(max("id"), 0) FROM "audit_log"
UNION ALL SELECT 'outbox_messages', COALESCE(max("id"), 0) FROM "outbox_messages";

CREATE TABLE "webhook_attempts" (
    "id" BIGSERIAL NOT NULL,
    "outboxId" BIGINT NOT NULL,
    "deliveryId" TEXT NOT NULL,
    "endpointId" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "redelivery" BOOLEAN NOT NULL,
    "statusCode" INTEGER,
    "error" TEXT,
    "durationMs" INTEGER NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_attempts_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "webhook_attempts_outboxId_idx" ON "webhook_attempts" ("outboxId");
CREATE INDEX "webhook_attempts_deliveryId_idx" ON "webhook_attempts" ("deliveryId");

CREATE TABLE "gateway_links" (
    "accountId" UUID NOT NULL,
    "gatewayUserId" INTEGER NOT NULL,
    "linkedBy" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "gateway_links_pkey" PRIMARY KEY ("accountId"),
    CONSTRAINT "gateway_links_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts" ("id"),
    CONSTRAINT "gateway_links_user_positive" CHECK ("gatewayUserId" > 0)
);
CREATE UNIQUE INDEX "gateway_links_gatewayUserId_key" ON "gateway_links" ("gatewayUserId");

CREATE TABLE "gateway_quota_changes" (
    "id" BIGSERIAL NOT NULL,
    "changeKey" TEXT NOT NULL,
    "postingId" BIGINT NOT NULL,
    "accountId" UUID NOT NULL,
    "gatewayUserId" INTEGER NOT NULL,
    "amount" BIGINT NOT NULL,
    "quota" BIGINT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "grossBefore" BIGINT,
    "quotaAfter" BIGINT,
    "lastError" TEXT,
    "appliedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "gateway_quota_changes_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "gateway_quota_changes_status_check" CHECK ("status" IN ('pending', 'applied', 'failed'))
);
CREATE UNIQUE INDEX "gateway_quota_changes_changeKey_key" ON "gateway_quota_changes" ("changeKey");
CREATE INDEX "gateway_quota_changes_gatewayUserId_status_id_idx" ON "gateway_quota_changes" ("gatewayUserId", "status", "id");
