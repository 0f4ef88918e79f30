-- What happens after a top-up, in the columns several features share.

-- Refunds: the principal paid back from an order, and the bonus reversed with it.
ALTER TABLE "topup_orders"
    ADD COLUMN "refundedPrincipal" BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN "reversedBonus" BIGINT NOT NULL DEFAULT 0,
    -- Methods priced in another currency: what the customer pays in it (micro-units), and the
    -- rate the order was made with (micro-units of that currency per USD). Null for USD.
    ADD COLUMN "currency" TEXT NOT NULL DEFAULT 'USD',
    ADD COLUMN "payAmount" BIGINT,
    ADD COLUMN "fxRate" BIGINT,
    -- A preset tier with a volume discount: the tier's face value, and the discount (credited as bonus).
    ADD COLUMN "presetAmount" BIGINT,
    ADD COLUMN "discountAmount" BIGINT;
ALTER TABLE "topup_orders" ADD CONSTRAINT "topup_orders_refunded_check"
    CHECK ("refundedPrincipal" >= 0 AND "reversedBonus" >= 0);

-- The usage view: the gateway may say which API token and token group a record was spent through.
ALTER TABLE "usage_records"
    ADD COLUMN "token" TEXT,
    ADD COLUMN "tokenGroup" TEXT;
