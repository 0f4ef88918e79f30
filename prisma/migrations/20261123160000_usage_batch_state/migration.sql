-- What a usage batch needs to know once its accounts are locked, read in one query: their cached
-- balances, and the batch's record ids that were seen before.
-- VOLATILE, for the reason given in 20261123140000_ledger_fresh_balances: called after the
-- locking subquery of the same statement, its query takes a snapshot of its own, so it sees what
-- a previous holder of the locks committed while this batch waited (src/usage/ingestUsage.ts).
-- JSON arrays rather than rows: one value to send back, cheap to parse on both sides.
CREATE FUNCTION "usage_batch_state"("locked" UUID[], "record_ids" TEXT[])
RETURNS JSON
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    "state" JSON;
BEGIN
    SELECT json_build_object(
        'balances', (SELECT COALESCE(json_agg(json_build_array(b."accountId", b."bucket", b."amount"::TEXT)), '[]')
                     FROM "balances" b WHERE b."accountId" = ANY("locked")),
        'seen', (SELECT COALESCE(json_agg(json_build_array(u."recordId", u."accountId", u."cost"::TEXT, u."model", u."endpoint")), '[]')
                 FROM "usage_records" u WHERE u."recordId" = ANY("record_ids"))
    ) INTO "state";
    RETURN "state";
END;
$$;

-- Every posting rewrites its accounts' cached balance rows. Room on each page lets PostgreSQL
-- update them in place (HOT), without a new index entry per update.
ALTER TABLE "balances" SET (fillfactor = 50);
