-- Payment attribution (PRODUCT §3): every order is told what to pay and where, a transfer credits
-- at most one order per chain whatever the method, a proof is cited by one order, and transfers
-- seen on chain are kept with what became of them.

-- What the order asks to be paid, and where. `instructedAmount` is the requested amount plus the
-- unique suffix (unique-amount attribution) or the requested amount itself. `payChain` is
-- "<family>:<chain id>", `payToken` and `payAddress` the 20-byte 0x form JSON-RPC logs carry.
ALTER TABLE "topup_orders"
    ADD COLUMN "instructedAmount" BIGINT,
    ADD COLUMN "attribution" TEXT,
    ADD COLUMN "payChain" TEXT,
    ADD COLUMN "payToken" TEXT,
    ADD COLUMN "payAddress" TEXT,
    ADD COLUMN "proofKey" TEXT,
    ADD COLUMN "proofLogIndex" INTEGER;

UPDATE "topup_orders" SET "instructedAmount" = "requestedAmount";
ALTER TABLE "topup_orders" ALTER COLUMN "instructedAmount" SET NOT NULL;
ALTER TABLE "topup_orders" ADD CONSTRAINT "topup_orders_instructed_check" CHECK ("instructedAmount" >= "requestedAmount");
ALTER TABLE "topup_orders" ADD CONSTRAINT "topup_orders_attribution_check"
    CHECK ("attribution" IS NULL OR "attribution" IN ('unique-amount', 'per-account-address', 'none'));

-- Orders made before attribution existed were bound to nothing. Their chain is known where the
-- watcher stored a verdict; `credit-desk migrate` fills in the rest from the payment methods file.
UPDATE "topup_orders" SET "attribution" = 'none' WHERE "methodKind" = 'usdt';
UPDATE "topup_orders"
SET "payChain" = ("verdict"->>'family') || ':' || ("verdict"->>'chainId'),
    "payToken" = lower("verdict"->>'tokenContract'),
    "payAddress" = lower("verdict"->>'depositAddress')
WHERE "verdict" IS NOT NULL AND "verdict" ? 'family' AND "verdict" ? 'chainId';

-- A proof is cited by one order. Chain hashes are compared across every chain (the same 64 hex
-- digits on two networks is a copy, not a coincidence); bank references per method, normalised.
UPDATE "topup_orders" SET "proofKey" = 'tx:' || lower("txHash")
WHERE "txHash" IS NOT NULL AND "methodKind" = 'usdt';
UPDATE "topup_orders" SET "proofKey" = 'ref:' || "methodId" || ':' || upper(regexp_replace("txHash", '[^A-Za-z0-9]', '', 'g'))
WHERE "txHash" IS NOT NULL AND "methodKind" = 'manual';

-- Proofs that the old per-method rule let through twice: the first order keeps the citation,
-- the others are marked and recorded for support.
WITH ranked AS (
    SELECT "id", "accountId", "proofKey", row_number() OVER (PARTITION BY "proofKey" ORDER BY "seq") AS n
    FROM "topup_orders" WHERE "proofKey" IS NOT NULL
), dup AS (
    UPDATE "topup_orders" o SET "proofKey" = 'duplicate:' || o."id" || ':' || r."proofKey"
    FROM ranked r WHERE r."id" = o."id" AND r.n > 1
    RETURNING o."id", o."accountId", r."proofKey"
)
INSERT INTO "audit_log" ("actorType", "actorId", "action", "outcome", "orderId", "accountId", "detail")
SELECT 'system', 'migration', 'migration.duplicate_proof', 'flagged', "id", "accountId", jsonb_build_object('proofKey', "proofKey")
FROM dup;

DROP INDEX "topup_orders_network_txHash_key";
-- One citation per proof; a batch withdrawal lets a second order cite the same hash for another
-- transfer log of it (proofLogIndex), never for the same one.
CREATE UNIQUE INDEX "topup_orders_proof_key" ON "topup_orders" ("proofKey", COALESCE("proofLogIndex", -1)) WHERE "proofKey" IS NOT NULL;
-- No two open orders are told the same amount to the same address on the same chain and token.
CREATE UNIQUE INDEX "topup_orders_open_instructed_amount" ON "topup_orders" ("payChain", "payToken", "payAddress", "instructedAmount")
    WHERE "attribution" = 'unique-amount' AND "status" IN ('pending', 'submitted');
CREATE INDEX "topup_orders_open_pay_address" ON "topup_orders" ("payChain", "payToken", "payAddress")
    WHERE "status" IN ('pending', 'submitted');
CREATE INDEX "topup_orders_screenshot" ON "topup_orders" ("screenshotSha256") WHERE "screenshotSha256" IS NOT NULL;

-- A transfer log credits at most one order per chain, whatever the method it came through.
ALTER TABLE "credited_logs" ADD COLUMN "chainKey" TEXT;
UPDATE "credited_logs" c SET "chainKey" = (o."verdict"->>'family') || ':' || (o."verdict"->>'chainId')
FROM "topup_orders" o
WHERE o."id" = c."orderId" AND o."verdict" IS NOT NULL AND o."verdict" ? 'family' AND o."verdict" ? 'chainId';
UPDATE "credited_logs" SET "chainKey" = 'method:' || "network" WHERE "chainKey" IS NULL;
-- A log the old rule credited twice (through two method ids) keeps one row under the chain key;
-- the others stay as history under a marked key, with an audit row for support.
WITH ranked AS (
    SELECT "network", "txHash", "logIndex", "orderId", "chainKey",
           row_number() OVER (PARTITION BY "chainKey", "txHash", "logIndex" ORDER BY "createdAt", "network") AS n
    FROM "credited_logs"
), dup AS (
    UPDATE "credited_logs" c SET "chainKey" = 'duplicate:' || c."network" || ':' || r."chainKey"
    FROM ranked r
    WHERE r.n > 1 AND c."network" = r."network" AND c."txHash" = r."txHash" AND c."logIndex" = r."logIndex"
    RETURNING c."orderId", c."txHash", c."logIndex", r."chainKey"
)
INSERT INTO "audit_log" ("actorType", "actorId", "action", "outcome", "orderId", "detail")
SELECT 'system', 'migration', 'migration.duplicate_credit', 'flagged', "orderId",
       jsonb_build_object('txHash', "txHash", 'logIndex', "logIndex", 'chainKey', "chainKey")
FROM dup;
ALTER TABLE "credited_logs" ALTER COLUMN "chainKey" SET NOT NULL;
ALTER TABLE "credited_logs" DROP CONSTRAINT "credited_logs_pkey";
ALTER TABLE "credited_logs" ADD CONSTRAINT "credited_logs_pkey" PRIMARY KEY ("chainKey", "txHash", "logIndex");

-- Every token transfer the watcher saw to a deposit address, and what became of it: credited to
-- an order, waiting for support (unmatched), or dismissed with a note.
CREATE TABLE "chain_transfers" (
    "id" BIGSERIAL NOT NULL,
    "chainKey" TEXT NOT NULL,
    "network" TEXT NOT NULL,
    "txHash" TEXT NOT NULL,
    "logIndex" INTEGER NOT NULL,
    "token" TEXT NOT NULL,
    "fromAddress" TEXT NOT NULL,
    "toAddress" TEXT NOT NULL,
    "amountRaw" TEXT NOT NULL,
    "amountMicros" BIGINT NOT NULL,
    "blockNumber" BIGINT NOT NULL,
    "blockHash" TEXT NOT NULL,
    "blockTime" TIMESTAMPTZ(3),
    "status" TEXT NOT NULL,
    "reason" TEXT,
    "orderId" UUID,
    "accountId" UUID,
    "note" TEXT,
    "decidedById" TEXT,
    "decidedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "chain_transfers_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "chain_transfers_status_check" CHECK ("status" IN ('credited', 'matched', 'unmatched', 'dismissed'))
);
CREATE UNIQUE INDEX "chain_transfers_log_key" ON "chain_transfers" ("chainKey", "txHash", "logIndex");
CREATE INDEX "chain_transfers_status_idx" ON "chain_transfers" ("status", "id");
ALTER TABLE "chain_transfers" ADD CONSTRAINT "chain_transfers_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "topup_orders"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "chain_transfers" ADD CONSTRAINT "chain_transfers_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Where each network's log scan goes on from: the next block to read.
CREATE TABLE "chain_cursors" (
    "network" TEXT NOT NULL,
    "nextBlock" BIGINT NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "chain_cursors_pkey" PRIMARY KEY ("network")
);

-- The derivation index of each account's own deposit addresses (m/0/<index> below the xpub),
-- allocated once and never reused.
CREATE TABLE "deposit_indexes" (
    "accountId" UUID NOT NULL,
    "index" INTEGER GENERATED BY DEFAULT AS IDENTITY (MINVALUE 0 START WITH 0),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "deposit_indexes_pkey" PRIMARY KEY ("accountId"),
    CONSTRAINT "deposit_indexes_index_check" CHECK ("index" >= 0 AND "index" < 2147483648)
);
CREATE UNIQUE INDEX "deposit_indexes_index_key" ON "deposit_indexes" ("index");
ALTER TABLE "deposit_indexes" ADD CONSTRAINT "deposit_indexes_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Support cards belong to an order or to a transfer: keyed by "order:<id>" or "transfer:<id>".
ALTER TABLE "support_cards" ADD COLUMN "cardKey" TEXT;
UPDATE "support_cards" SET "cardKey" = 'order:' || "orderId";
ALTER TABLE "support_cards" ALTER COLUMN "cardKey" SET NOT NULL;
ALTER TABLE "support_cards" DROP CONSTRAINT "support_cards_pkey";
ALTER TABLE "support_cards" ALTER COLUMN "orderId" DROP NOT NULL;
ALTER TABLE "support_cards" ADD CONSTRAINT "support_cards_pkey" PRIMARY KEY ("cardKey", "platform");
