-- The immutability trigger raised SQLSTATE 23001 (restrict_violation), which Prisma's PostgreSQL
-- adapter reports as "Foreign key constraint violated". Raise a plain exception so the message
-- that reaches operators is the trigger's own.
CREATE OR REPLACE FUNCTION "ledger_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger rows are immutable: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'raise_exception', HINT = 'a correction is a new entry';
END;
$$;
