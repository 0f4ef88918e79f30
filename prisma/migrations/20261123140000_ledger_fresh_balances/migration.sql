-- A posting locks its accounts and then reads their cached balances. Under READ COMMITTED a
-- statement reads from the snapshot taken when it started, so a read joined into the locking
-- statement would miss what the previous lock holder committed while we waited. A VOLATILE
-- PL/pgSQL function takes a fresh snapshot for each query it runs: called after the lock in the
-- same statement, it reads the balances as they are once the lock is ours. That lets a posting be
-- one statement instead of a transaction of several round trips (src/ledger/postEntries.ts).
CREATE FUNCTION "ledger_fresh_balances"("account" UUID)
RETURNS TABLE ("bucket" TEXT, "amount" BIGINT)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RETURN QUERY SELECT b."bucket", b."amount" FROM "balances" b WHERE b."accountId" = "account";
END;
$$;
