-- (accountId, type, createdAt) served no query better than (accountId, id): an account's entries
-- are mostly api_usage, and nothing ranges over createdAt. Every entry paid for it with an insert
-- into a random leaf. A posting's entries, read back when a posting is replayed, had no index at
-- all and were found by a sequential scan. Entries of one posting share the key, so this index
-- grows at its right edge and deduplicates well.
DROP INDEX "ledger_entries_accountId_type_createdAt_idx";
CREATE INDEX "ledger_entries_postingId_idx" ON "ledger_entries"("postingId");
