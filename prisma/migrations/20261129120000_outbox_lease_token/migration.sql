-- Which claim holds a message: a worker sends and settles a message only while its lease token
-- is still the message's, so a worker slower than its lease never sends what another took over.
ALTER TABLE "outbox_messages" ADD COLUMN "leaseToken" TEXT;
