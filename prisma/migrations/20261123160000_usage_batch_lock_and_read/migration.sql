-- A usage batch locks its accounts and reads what it needs in one call: the accounts' alert
-- settings, their cached balances, and the batch's record ids that were seen before.
-- The accounts are locked in id order, the order every posting locks in, so writers never
-- deadlock. VOLATILE, for the reason given in 20261123140000_ledger_fresh_balances: each query of
-- the function takes a snapshot of its own, so the reads, which run after the lock is granted,
-- see whatever the previous holder of the lock committed (src/usage/ingestUsage.ts).
-- A batch names at most 1,000 keys of tables that only grow: probing the indexes is always the
-- cheaper plan, though for a small table the planner would rather scan it whole.
-- JSON arrays rather than rows: one value to send back, cheap to parse on both sides.
CREATE FUNCTION "usage_batch_lock_and_read"("account_ids" UUID[], "record_ids" TEXT[])
RETURNS JSON
LANGUAGE plpgsql VOLATILE
SET enable_seqscan = off
AS $$
DECLARE
    "locked" JSON;
    "state" JSON;
BEGIN
    SELECT COALESCE(json_agg(json_build_array(a."id", a."lowBalanceThreshold"::TEXT, a."lowBalanceArmed", a."locale")), '[]')
    INTO "locked"
    FROM (SELECT "id", "lowBalanceThreshold", "lowBalanceArmed", "locale" FROM "accounts"
          WHERE "id" = ANY("account_ids") ORDER BY "id" FOR UPDATE) a;

    SELECT json_build_object(
        'accounts', "locked",
        'balances', (SELECT COALESCE(json_agg(json_build_array(b."accountId", b."bucket", b."amount"::TEXT)), '[]')
                     FROM "balances" b WHERE b."accountId" = ANY("account_ids")),
        'seen', (SELECT COALESCE(json_agg(json_build_array(u."recordId", u."accountId", u."cost"::TEXT, u."model", u."endpoint")), '[]')
                 FROM "usage_records" u WHERE u."recordId" = ANY("record_ids"))
    ) INTO "state";
    RETURN "state";
END;
$$;

-- Every posting rewrites its accounts' cached balance rows. Room on each page lets PostgreSQL
-- update them in place (HOT), without a new index entry per update.
ALTER TABLE "balances" SET (fillfactor = 50);
